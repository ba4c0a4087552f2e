using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>KV cache row operations: joined, kept and trimmed rows decode as each row does alone.</summary>
public class KvCacheRowTests
{
    private static KvCache Filled(int layers, long batch, long len, float start)
    {
        var cache = new KvCache(layers);
        for (int l = 0; l < layers; l++)
        {
            var k = arange(batch * 2 * len * 3, dtype: ScalarType.Float32).reshape(batch, 2, len, 3) + start + 1000 * l;
            cache.Append(l, k, -k);
        }
        return cache;
    }

    private static (Tensor K, Tensor V) Layer(KvCache cache, int layer)
    {
        // Appending nothing returns views over what is cached.
        var empty = zeros(cache.Batch, 2, 0, 3);
        return cache.Append(layer, empty, empty);
    }

    [Fact]
    public void AppendRowsLeftPadsTheShorterSide()
    {
        using var scope = NewDisposeScope();
        using var a = Filled(2, batch: 2, len: 3, start: 0);
        using var b = Filled(2, batch: 1, len: 5, start: 500);
        var (padA, padB) = a.AppendRows(b);
        Assert.Equal((2L, 0L), (padA, padB));
        Assert.Equal(3, a.Batch);
        Assert.Equal(5, a.Length);
        for (int l = 0; l < 2; l++)
        {
            var (k, v) = Layer(a, l);
            var (ka, _) = Layer(Filled(2, 2, 3, 0), l);
            var (kb, _) = Layer(Filled(2, 1, 5, 500), l);
            Assert.True(k.narrow(0, 0, 2).narrow(2, 0, 2).eq(0).all().item<bool>());
            Assert.True(k.narrow(0, 0, 2).narrow(2, 2, 3).allclose(ka));
            Assert.True(k.narrow(0, 2, 1).allclose(kb));
            Assert.True(v.allclose(-k));
        }
        // Now the other way round: the joined cache is longer.
        using var c = Filled(2, batch: 1, len: 1, start: 900);
        Assert.Equal((0L, 4L), a.AppendRows(c));
        Assert.Equal(4, a.Batch);
    }

    [Fact]
    public void KeepRowsAndDropFrontSelectRowsAndColumns()
    {
        using var scope = NewDisposeScope();
        using var a = Filled(1, batch: 3, len: 4, start: 0);
        var (full, _) = Layer(Filled(1, 3, 4, 0), 0);
        a.KeepRows([2, 0]);
        Assert.Equal(2, a.Batch);
        var (k, _) = Layer(a, 0);
        Assert.True(k.allclose(full.index_select(0, tensor(new long[] { 2, 0 }))));
        a.DropFront(3);
        Assert.Equal(1, a.Length);
        (k, _) = Layer(a, 0);
        Assert.True(k.allclose(full.index_select(0, tensor(new long[] { 2, 0 })).narrow(2, 3, 1)));
        // Appending after a trim continues at the right place.
        var more = ones(2, 2, 1, 3);
        var (k2, _) = a.Append(0, more, more);
        Assert.Equal(2, k2.shape[2]);
        Assert.True(k2.narrow(2, 1, 1).allclose(more));
    }

    // On a real model: prompts prefilled alone and joined decode exactly as each does alone, also after a row leaves.
    [Fact]
    public void JoinedRowsDecodeAsAlone()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var model = ModelIO.Load(Shared.Golden("llama-tiny"));
        int[][] prompts = [[37, 235, 396, 72, 255, 393, 203, 133], [5, 99], [400, 12, 7, 301, 18]];
        int[] next = [11, 22, 33];
        var alone = new Tensor[3];
        for (int i = 0; i < 3; i++)
        {
            using var cache = model.NewCache();
            model.Logits(tensor(prompts[i].Select(t => (long)t).ToArray()).unsqueeze(0), ones(1, prompts[i].Length, ScalarType.Int64), cache);
            alone[i] = model.Logits(tensor(new long[] { next[i] }).unsqueeze(0), ones(1, prompts[i].Length + 1, ScalarType.Int64), cache)[0, -1];
        }
        KvCache? joined = null;
        var pads = new List<long>();
        foreach (var p in prompts)
        {
            var one = model.NewCache();
            model.Logits(tensor(p.Select(t => (long)t).ToArray()).unsqueeze(0), ones(1, p.Length, ScalarType.Int64), one);
            if (joined is null) { joined = one; pads.Add(0); continue; }
            var (padOld, padNew) = joined.AppendRows(one);
            for (int i = 0; i < pads.Count; i++) pads[i] += padOld;
            pads.Add(padNew);
            one.Dispose();
        }
        using var cacheAll = joined!;
        Tensor Mask(IList<long> p, long len) => arange(len + 1).unsqueeze(0).ge(tensor(p.ToArray()).unsqueeze(1)).to_type(ScalarType.Int64);
        // Run the three together from a copy of the state: drop row 1 first, to check KeepRows + DropFront as well.
        cacheAll.KeepRows([0, 2]);
        var kept = new List<long> { pads[0], pads[2] };
        long front = kept.Min();
        cacheAll.DropFront(front);
        kept = kept.Select(p => p - front).ToList();
        var logits = model.Logits(tensor(new long[] { next[0], next[2] }).unsqueeze(1), Mask(kept, cacheAll.Length), cacheAll);
        Assert.True(logits[0, -1].allclose(alone[0], atol: 1e-5), "row 0 after keep/trim");
        Assert.True(logits[1, -1].allclose(alone[2], atol: 1e-5), "row 2 after keep/trim");
    }

    [Fact]
    public void AllThreeJoinedDecodeAsAlone()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var model = ModelIO.Load(Shared.Golden("qwen2-tiny"));
        int[][] prompts = [[5, 99], [37, 235, 396, 72, 255, 393, 203, 133], [400, 12, 7, 301, 18]];
        long[] next = [11, 22, 33];
        KvCache? joined = null;
        var pads = new List<long>();
        var alone = new List<Tensor>();
        for (int i = 0; i < prompts.Length; i++)
        {
            var ids = tensor(prompts[i].Select(t => (long)t).ToArray()).unsqueeze(0);
            var one = model.NewCache();
            model.Logits(ids, ones(1, prompts[i].Length, ScalarType.Int64), one);
            using (var solo = model.NewCache())
            {
                model.Logits(ids, ones(1, prompts[i].Length, ScalarType.Int64), solo);
                alone.Add(model.Logits(tensor(new[] { next[i] }).unsqueeze(0), ones(1, prompts[i].Length + 1, ScalarType.Int64), solo)[0, -1]);
            }
            if (joined is null) { joined = one; pads.Add(0); continue; }
            var (padOld, padNew) = joined.AppendRows(one);
            for (int j = 0; j < pads.Count; j++) pads[j] += padOld;
            pads.Add(padNew);
            one.Dispose();
        }
        using var all = joined!;
        var mask = arange(all.Length + 1).unsqueeze(0).ge(tensor(pads.ToArray()).unsqueeze(1)).to_type(ScalarType.Int64);
        var logits = model.Logits(tensor(next).unsqueeze(1), mask, all);
        for (int i = 0; i < 3; i++) Assert.True(logits[i, -1].allclose(alone[i], atol: 1e-5), $"row {i}: max |Δ| = {(logits[i, -1] - alone[i]).abs().max().item<float>()}");
    }
}
