using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// Packing must not change what an example computes: packed with others into one row it gets the same
/// per-example loss and gradient as alone (block-diagonal attention, positions restarting per example).
/// </summary>
public class PackedAttentionTests
{
    public static TheoryData<string> Golden => new() { "llama-tiny", "qwen2-tiny", "gpt2-tiny" };

    public static TheoryData<string> Methods => new() { "full", "lora", "prompt-tuning", "p-tuning", "prefix-tuning" };

    // Prompt then answer, distinct lengths so that positions and row boundaries all differ; ids below 512 fit
    // every golden vocabulary.
    private static List<SftExample> Examples(int count, int vocab, int seed)
    {
        var rng = new Random(seed);
        int[] Ids(int n) => Enumerable.Range(0, n).Select(_ => rng.Next(3, vocab)).ToArray();
        return Enumerable.Range(0, count).Select(i => new SftExample(i, [(Ids(5 + 3 * i), false), (Ids(9 - i), true)])).ToList();
    }

    [Theory, MemberData(nameof(Golden))]
    public void PackedExamplesMatchEachAloneOnGoldenWeights(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden(name));
        using var adapted = new FineTuneModel(model);
        CheckPackedEqualsAlone(adapted, Examples(3, 512, 1), batchSize: 1, maxLength: 100, name);
    }

    [Theory, MemberData(nameof(Methods))]
    public void PackedExamplesMatchEachAloneOnTheTinyFixture(string method)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        // Real data: three summaries packed in one row, then five over two rows of a batch (padding in one row).
        var tok = Tokenization.Tokenizer.Load(TinyFixture.ModelDir);
        var examples = SftDataset.Load(TinyFixture.DataFile(5), tok, new SftDataOptions { MaxLength = 128, Overflow = "truncate" });
        var options = new MethodOptions { Method = method, VirtualTokens = 4, Targets = "all-linear", Dropout = 0, PrefixProjection = true };
        using var adapted = AdapterFactory.Create(model, options, tok, seed: 3);
        CheckPackedEqualsAlone(adapted, examples.Take(3).ToList(), batchSize: 1, maxLength: 3 * 128, method);
        CheckPackedEqualsAlone(adapted, examples, batchSize: 2, maxLength: 2 * examples.Max(e => e.Length), method);
    }

    [Fact]
    public void PackingLeavesTheUnpackedPathOnTheCausalKernel()
    {
        using var scope = NewDisposeScope();
        var ids = tensor(new long[,] { { 1, 1, 2, 2, 2 } });
        Assert.True(AttentionMask.Build(1, 5, 0, null, null, ScalarType.Float32, CPU).IsCausal);
        var packed = AttentionMask.Build(1, 5, 0, null, null, ScalarType.Float32, CPU, ids);
        Assert.False(packed.IsCausal);
        // Row 2 (the second example's first token) sees only itself; row 4 sees the second example's tokens.
        var visible = packed.Additive!.eq(0).squeeze().to_type(ScalarType.Int64).data<long>().ToArray();
        Assert.Equal(new long[] { 0, 0, 1, 0, 0 }, visible.Skip(2 * 5).Take(5).ToArray());
        Assert.Equal(new long[] { 0, 0, 1, 1, 1 }, visible.Skip(4 * 5).Take(5).ToArray());
        Assert.Equal(new long[] { 0, 1, 0, 1, 2 }, AttentionMask.PositionsWithin(ids).data<long>().ToArray());
    }

    /// <summary>
    /// For every batch of one packed epoch: each example's summed token loss (token losses added in double, so
    /// the sum's own rounding does not hide or fake a difference) equals that example run
    /// alone (to 1e-5), and the gradient of the batch's summed loss equals the sum of the examples' own gradients.
    /// </summary>
    private static void CheckPackedEqualsAlone(AdaptedModel adapted, List<SftExample> examples, int batchSize, int maxLength, string label)
    {
        adapted.SetTraining(false);
        var source = new SftBatchSource(examples, batchSize, padId: 0, packing: true, maxLength, seed: 0, CPU);
        var plan = source.Batches(0);
        bool someRowPacked = false;
        for (int bi = 0; bi < plan.Count; bi++)
        {
            var batch = source.Get(bi);
            someRowPacked |= plan[bi].Any(r => r.Length > 1);
            ZeroGrads(adapted);
            var (perExample, total) = PackedLosses(adapted, batch);
            total.backward();
            var packedGrads = adapted.Trainable.Select(t => t.P.grad!.clone()).ToList();

            ZeroGrads(adapted);
            for (int row = 0; row < plan[bi].Count; row++)
                for (int s = 0; s < plan[bi][row].Length; s++)
                {
                    var ex = examples[plan[bi][row][s]];
                    var (ids, labels) = ex.Flatten();
                    var alone = new TrainBatch(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0), tensor(labels.Select(i => (long)i).ToArray()).unsqueeze(0), null);
                    var (aloneSums, aloneLoss) = PackedLosses(adapted, alone);
                    aloneLoss.backward();
                    double a = aloneSums[(0, 1)], p = perExample[(row, s + 1)];
                    Assert.True(Math.Abs(a - p) <= 1e-5,
                        $"{label}: example {ex.Line} (row {row}, #{s + 1}) loss packed {p} vs alone {a} (Δ {Math.Abs(a - p):E2})");
                }
            for (int i = 0; i < packedGrads.Count; i++)
            {
                var unpacked = adapted.Trainable[i].P.grad!;
                double rel = ((packedGrads[i] - unpacked).norm() / unpacked.norm().clamp_min(1e-12)).item<float>();
                Assert.True(rel < 1e-4, $"{label}: gradient of {adapted.Trainable[i].Name} packed vs summed alone off by {rel:E2} relative norm");
            }
        }
        Assert.True(someRowPacked, $"{label}: no row held more than one example");
    }

    private static void ZeroGrads(AdaptedModel adapted)
    {
        foreach (var (_, p) in adapted.Trainable) p.grad?.zero_();
    }

    /// <summary>Summed token loss per (row, sequence id), and the batch's summed loss as a tensor.</summary>
    private static (Dictionary<(int, long), double> PerExample, Tensor Total) PackedLosses(AdaptedModel adapted, TrainBatch batch)
    {
        var logits = adapted.Forward(batch.InputIds, batch.AttentionMask, batch.SequenceIds);
        var labels = batch.Labels;
        var seq = batch.SequenceIds ?? ones_like(labels);
        if (adapted.VirtualTokens > 0)
        {
            var none = full(labels.shape[0], adapted.VirtualTokens, CausalLmLoss.IgnoreIndex, ScalarType.Int64, labels.device);
            labels = cat([none, labels], 1);
            seq = cat([zeros_like(none), seq], 1);
        }
        long t = logits.shape[1];
        var targets = labels.narrow(1, 1, t - 1);
        var tokenLoss = nn.functional.cross_entropy(logits.narrow(1, 0, t - 1).reshape(-1, logits.shape[2]), targets.reshape(-1),
            ignore_index: CausalLmLoss.IgnoreIndex, reduction: nn.Reduction.None).reshape(targets.shape[0], t - 1);
        var values = tokenLoss.detach().to_type(ScalarType.Float64).data<double>().ToArray();
        var owners = seq.narrow(1, 1, t - 1).data<long>().ToArray();
        var kept = targets.data<long>().ToArray();
        var sums = new Dictionary<(int, long), double>();
        for (int i = 0; i < values.Length; i++)
        {
            if (kept[i] == CausalLmLoss.IgnoreIndex) continue;
            var key = (i / (int)(t - 1), owners[i]);
            sums[key] = sums.GetValueOrDefault(key) + values[i];
        }
        return (sums, tokenLoss.sum());
    }
}
