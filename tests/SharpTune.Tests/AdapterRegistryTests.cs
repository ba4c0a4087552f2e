using System.Runtime.InteropServices;
using SharpTune.Adapters;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// Several adapters over one base: each row of a mixed batch must get what its adapter gives alone, where "alone" is
/// the adapter loaded by itself onto its own copy of the base (AdapterIO.Load, the path training and eval use).
/// </summary>
public class AdapterRegistryTests
{
    // Different targets, ranks and variants, so a row given the wrong adapter (or two) cannot agree by accident.
    private static readonly MethodOptions LoraA = new() { Method = "lora", Rank = 4, Alpha = 8, Dropout = 0, Targets = "q_proj,v_proj,down_proj" };
    private static readonly MethodOptions LoraB = new() { Method = "lora", Rank = 2, Alpha = 4, Dropout = 0, Targets = "q_proj,k_proj,o_proj,up_proj", Dora = true };
    private static readonly MethodOptions Prompt = new() { Method = "prompt-tuning", VirtualTokens = 3 };
    private static readonly MethodOptions Prefix = new() { Method = "prefix-tuning", VirtualTokens = 3 };

    private static readonly Lazy<string> DirA = new(() => Make(LoraA, 1));
    private static readonly Lazy<string> DirB = new(() => Make(LoraB, 2));
    private static readonly Lazy<string> DirPrompt = new(() => Make(Prompt, 3));
    private static readonly Lazy<string> DirPrefix = new(() => Make(Prefix, 4));

    /// <summary>A saved adapter with every trainable value moved off its initialisation (LoRA's B starts at zero).</summary>
    private static string Make(MethodOptions method, int seed)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var adapted = AdapterFactory.Create(model, method, null, seed);
        var g = new Generator((ulong)seed, CPU);
        using (no_grad())
            foreach (var (_, p) in adapted.Trainable) p.add_(randn(p.shape, generator: g) * 0.1);
        var dir = Shared.TempDir();
        adapted.Save(dir);
        return dir;
    }

    private static readonly long[][] Prompts = [[5, 17, 99, 230, 7], [41, 3, 88, 120, 300, 2, 9, 77], [12, 250, 6], [400, 33, 21, 58, 144, 19]];

    private static (Tensor Ids, Tensor Mask) LeftPadded(IReadOnlyList<long[]> rows)
    {
        int width = rows.Max(r => r.Length);
        var ids = new long[rows.Count, width];
        var mask = new long[rows.Count, width];
        for (int b = 0; b < rows.Count; b++)
            for (int j = 0; j < rows[b].Length; j++)
            {
                ids[b, width - rows[b].Length + j] = rows[b][j];
                mask[b, width - rows[b].Length + j] = 1;
            }
        return (tensor(ids), tensor(mask));
    }

    /// <summary>Row <paramref name="row"/>'s logits from its adapter loaded alone onto a fresh base (null: the base).</summary>
    private static Tensor Alone(string? adapterDir, long[] prompt, bool lastOnly = false)
    {
        var model = ModelIO.Load(TinyFixture.ModelDir);
        using var adapted = adapterDir is null ? null : AdapterIO.Load(adapterDir, model);
        ILanguageModel lm = (ILanguageModel?)adapted ?? model;
        var ids = tensor(prompt).unsqueeze(0);
        using var _ = no_grad();
        return lm.Logits(ids, ones_like(ids), null, lastOnly).clone();
    }

    private static double MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    private static Dictionary<string, byte[]> RawWeights(CausalLM model) =>
        model.named_parameters().ToDictionary(p => p.name, p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    [Fact]
    public void TwoLorasInOneMixedBatchGiveEachRowWhatItsAdapterGivesAlone()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var registry = new AdapterRegistry(model);
        registry.Load("a", DirA.Value);
        registry.Load("b", DirB.Value);
        Assert.Equal(["a", "b"], registry.Names);
        Assert.Equal("dora", registry.Method("b"));

        string?[] rows = ["a", "b", null, "a"];
        var dirs = rows.Select(r => r switch { "a" => DirA.Value, "b" => DirB.Value, _ => null }).ToArray();
        // Equal lengths first (no padding: every position of every row is comparable), then left-padded rows.
        var same = Prompts.Select(p => p.Take(3).ToArray()).ToArray();
        using var _ = no_grad();
        var (ids, mask) = LeftPadded(same);
        var mixed = registry.Logits(ids, mask, null, rows, lastOnly: false);
        for (int i = 0; i < rows.Length; i++)
        {
            var alone = Alone(dirs[i], same[i]);
            Assert.True(MaxDiff(mixed[i].unsqueeze(0), alone) < 1e-5, $"row {i} ({rows[i] ?? "base"}): max |Δ| {MaxDiff(mixed[i].unsqueeze(0), alone)}");
        }
        // The adapters matter, so agreeing with them is not agreeing with the base.
        Assert.True(MaxDiff(mixed[0], mixed[2]) > 1e-3 && MaxDiff(Alone(DirB.Value, same[1]), Alone(null, same[1])) > 1e-3);

        (ids, mask) = LeftPadded(Prompts);
        var last = registry.Logits(ids, mask, null, rows, lastOnly: true);
        for (int i = 0; i < rows.Length; i++)
            Assert.True(MaxDiff(last[i], Alone(dirs[i], Prompts[i], lastOnly: true)[0]) < 1e-5, $"padded row {i}");
    }

    [Fact]
    public void MixedGreedyDecodingWithTheCacheMatchesEachAdapterGeneratingAlone()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var registry = new AdapterRegistry(model);
        registry.Load("a", DirA.Value);
        registry.Load("b", DirB.Value);
        string?[] rows = ["a", "b", null, "a"];
        const int steps = 6;

        var generated = rows.Select(_ => new List<long>()).ToArray();
        using (no_grad())
        {
            var (ids, mask) = LeftPadded(Prompts);
            using var cache = model.NewCache(rows.Length);
            var logits = registry.Logits(ids, mask, cache, rows, lastOnly: true);
            for (int step = 0; step < steps; step++)
            {
                using var s = NewDisposeScope();
                var next = logits.select(1, -1).argmax(1);
                var values = next.data<long>().ToArray();
                for (int b = 0; b < rows.Length; b++) generated[b].Add(values[b]);
                mask = cat([mask, ones(rows.Length, 1, ScalarType.Int64)], 1).MoveToOuterDisposeScope();
                logits = registry.Logits(next.unsqueeze(1), mask, cache, rows, lastOnly: true).MoveToOuterDisposeScope();
            }
        }

        var options = new GenerationOptions { MaxNewTokens = steps, EosTokenIds = [] };
        for (int b = 0; b < rows.Length; b++)
        {
            var baseCopy = ModelIO.Load(TinyFixture.ModelDir);
            using var adapted = rows[b] is null ? null : AdapterIO.Load(rows[b] == "a" ? DirA.Value : DirB.Value, baseCopy);
            var alone = new TextGenerator((ILanguageModel?)adapted ?? baseCopy).Generate([Prompts[b].Select(t => (int)t).ToArray()], options)[0];
            Assert.Equal(alone.Tokens.Select(t => (long)t), generated[b]);
        }
        // Different adapters lead the same kind of prompt elsewhere: the rows are not all the base's continuation.
        var baseTokens = new TextGenerator(model).Generate([Prompts[0].Select(t => (int)t).ToArray()], options)[0].Tokens.Select(t => (long)t);
        Assert.NotEqual(baseTokens, generated[0]);
    }

    [Fact]
    public void UnloadingOneLeavesTheOtherExactAndTheBaseBitIdentical()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        var before = RawWeights(model);
        var (ids, mask) = LeftPadded(Prompts);
        using var _ = no_grad();
        var baseLogits = model.Forward(ids, attentionMask: mask).clone();

        using var registry = new AdapterRegistry(model);
        registry.Load("a", DirA.Value);
        registry.Load("b", DirB.Value);
        // Loaded adapters are inactive: an un-routed forward of the base is still the base.
        Assert.True(model.Forward(ids, attentionMask: mask).equal(baseLogits).all().item<bool>());
        var viewA = registry.View("a");
        var aBefore = viewA.Logits(ids, mask, null).clone();
        var bBefore = registry.View("b").Logits(ids, mask, null).clone();
        registry.Logits(ids, mask, null, ["a", "b", null, "b"], lastOnly: false);

        registry.Unload("b");
        Assert.Equal(["a"], registry.Names);
        // The same computation for "a", bit for bit; "b" is gone from every layer.
        Assert.True(viewA.Logits(ids, mask, null).equal(aBefore).all().item<bool>(), "adapter a changed when b was unloaded");
        Assert.All(model.LinearLayers, l => Assert.False(l.Adapters.ContainsKey("b")));
        Assert.Throws<SharpTuneException>(() => registry.Logits(ids, mask, null, ["b", null, null, null], lastOnly: false));

        // The name is free again and the adapter loads back to the same function.
        registry.Load("b", DirB.Value);
        Assert.True(MaxDiff(registry.View("b").Logits(ids, mask, null), bBefore) == 0);
        registry.Unload("a");
        registry.Unload("b");
        Assert.Empty(registry.Names);
        Assert.All(model.LinearLayers, l => Assert.Empty(l.Adapters));

        var after = RawWeights(model);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        Assert.True(model.Forward(ids, attentionMask: mask).equal(baseLogits).all().item<bool>());
    }

    [Theory]
    [InlineData("prompt")]
    [InlineData("prefix")]
    public void APromptAdapterBesideALoraWorksThroughItsView(string kind)
    {
        using var scope = NewDisposeScope();
        var dir = kind == "prompt" ? DirPrompt.Value : DirPrefix.Value;
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var registry = new AdapterRegistry(model);
        registry.Load("a", DirA.Value);
        registry.Load("p", dir);
        Assert.True(registry.ActsAtPrefill("p"));
        Assert.False(registry.ActsAtPrefill("a"));

        var reference = ModelIO.Load(TinyFixture.ModelDir);
        using var alone = AdapterIO.Load(dir, reference);
        var (ids, mask) = LeftPadded(Prompts);
        using (no_grad())
        {
            var view = registry.View("p").Logits(ids, mask, null);
            Assert.True(MaxDiff(view, alone.Logits(ids, mask, null)) < 1e-5);
            Assert.True(MaxDiff(view, model.Forward(ids, attentionMask: mask)) > 1e-3);
        }
        var options = new GenerationOptions { MaxNewTokens = 5, EosTokenIds = [] };
        var prompts = Prompts.Select(p => p.Select(t => (int)t).ToArray()).ToArray();
        var viaView = new TextGenerator(registry.View("p")).Generate(prompts, options);
        var viaLoad = new TextGenerator(alone).Generate(prompts, options);
        Assert.Equal(viaLoad.Select(r => r.Tokens), viaView.Select(r => r.Tokens));

        // Its virtual tokens enter at prefill, which the mixed forward cannot do for one row among others.
        using (no_grad())
        {
            var e = Assert.Throws<SharpTuneException>(() => registry.Logits(ids, mask, null, ["a", "p", null, null], lastOnly: true));
            Assert.Contains("View", e.Message);
        }
    }

    [Fact]
    public void LastOnlyLogitsAreTheLastPositionOfTheFullLogits()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var registry = new AdapterRegistry(model);
        registry.Load("a", DirA.Value);
        registry.Load("p", DirPrompt.Value);
        registry.Load("x", DirPrefix.Value);
        var (ids, mask) = LeftPadded(Prompts);
        using var _ = no_grad();
        foreach (var lm in new ILanguageModel[] { model, registry.View("a"), registry.View("p"), registry.View("x") })
        {
            var full = lm.Logits(ids, mask, null);
            var last = lm.Logits(ids, mask, null, lastOnly: true);
            Assert.Equal(new long[] { ids.shape[0], 1, model.Config.VocabSize }, last.shape);
            Assert.True(MaxDiff(last, full.narrow(1, full.shape[1] - 1, 1)) < 1e-5);
        }
        string?[] rows = ["a", null, "a", null];
        var mixedFull = registry.Logits(ids, mask, null, rows, lastOnly: false);
        var mixedLast = registry.Logits(ids, mask, null, rows, lastOnly: true);
        Assert.True(MaxDiff(mixedLast, mixedFull.narrow(1, mixedFull.shape[1] - 1, 1)) < 1e-5);
    }

    [Fact]
    public void WholeModelsUnknownNamesAndDuplicatesAreRefusedInOneLine()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var registry = new AdapterRegistry(model);
        registry.Load("a", DirA.Value);
        // A full or unfreeze run writes a whole model folder.
        var e = Assert.Throws<SharpTuneException>(() => registry.Load("full", TinyFixture.ModelDir));
        Assert.Contains("whole model", e.Message);
        Assert.Contains("already loaded", Assert.Throws<SharpTuneException>(() => registry.Load("a", DirB.Value)).Message);
        Assert.Contains("not loaded", Assert.Throws<SharpTuneException>(() => registry.View("nope")).Message);
        Assert.Contains("not loaded", Assert.Throws<SharpTuneException>(() => registry.Unload("nope")).Message);
        Assert.Throws<SharpTuneException>(() => registry.Load("base:a", DirB.Value));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(["a"], registry.Names);
    }

    [Fact]
    public void ASecondActiveLoraOnOneBaseIsRefusedAndDisposingOneKeepsTheOther()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var registry = new AdapterRegistry(model);
        registry.Load("b", DirB.Value);
        var (ids, mask) = LeftPadded(Prompts);
        Tensor bBefore;
        using (no_grad()) bBefore = registry.View("b").Logits(ids, mask, null).clone();

        using (var first = AdapterIO.Load(DirA.Value, model))
        {
            // Today's silent replacement is now an error naming the layer, and the base is left as it was.
            var e = Assert.Throws<SharpTuneException>(() => AdapterIO.Load(DirA.Value, model));
            Assert.Contains("already", e.Message);
            using var _ = no_grad();
            var alone = Alone(DirA.Value, Prompts[0]);
            var row = first.Logits(tensor(Prompts[0]).unsqueeze(0), ones(1, Prompts[0].Length, ScalarType.Int64), null);
            Assert.True(MaxDiff(row, alone) < 1e-5);
        }
        // Disposing the standalone LoRA detached only itself.
        using (no_grad()) Assert.True(registry.View("b").Logits(ids, mask, null).equal(bBefore).all().item<bool>());
        Assert.All(model.LinearLayers, l => Assert.Null(l.Adapter));
    }
}
