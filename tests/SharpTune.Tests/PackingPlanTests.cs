using SharpTune.Data;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>The batch plan over epochs: every example exactly once per epoch, reshuffled per epoch, replayable.</summary>
public class PackingPlanTests
{
    private const int PromptBase = 1000, AnswerBase = 5000;

    // Example i: prompt tokens all PromptBase+i, answer tokens all AnswerBase+i, lengths varying with i, so every
    // example can be recognised (and checked whole) inside any padded or packed row.
    private static List<SftExample> Examples(int count) => Enumerable.Range(0, count)
        .Select(i => new SftExample(i, [(Enumerable.Repeat(PromptBase + i, 3 + i * 13 % 37).ToArray(), false), (Enumerable.Repeat(AnswerBase + i, 2 + i * 5 % 11).ToArray(), true)]))
        .ToList();

    /// <summary>The examples in a batch, row by row, in order, each checked whole.</summary>
    private static List<int> ExamplesIn(TrainBatch batch, List<SftExample> examples)
    {
        var found = new List<int>();
        var ids = batch.InputIds.data<long>().ToArray();
        var mask = batch.AttentionMask?.data<long>().ToArray();
        long rows = batch.InputIds.shape[0], width = batch.InputIds.shape[1];
        for (int r = 0; r < rows; r++)
        {
            int t = 0;
            while (t < width && (mask is null || mask[r * width + t] == 1))
            {
                long first = ids[r * width + t];
                Assert.InRange(first, PromptBase, AnswerBase - 1);
                int i = (int)(first - PromptBase);
                var (exIds, _) = examples[i].Flatten();
                Assert.True(t + exIds.Length <= width, $"example {i} cut at the row's end");
                Assert.Equal(exIds.Select(x => (long)x), ids.Skip(r * (int)width + t).Take(exIds.Length));
                found.Add(i);
                t += exIds.Length;
            }
        }
        return found;
    }

    private static List<List<int>> Epoch(SftBatchSource source, List<SftExample> examples, int epoch)
    {
        using var scope = NewDisposeScope();
        return Enumerable.Range(0, source.BatchesPerEpoch)
            .Select(i => ExamplesIn(source.Get((long)epoch * source.BatchesPerEpoch + i), examples)).ToList();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryExampleAppearsExactlyOncePerEpoch(bool packing)
    {
        // 101 examples of 5…51 tokens in batches of 3 (a short last batch); packed, rows of 64 tokens. Packed
        // next-fit over each epoch's order gave this data 19, 20, 19, 20, 18 batches in epochs 0…4 while every
        // epoch was indexed as if it had epoch 0's 19: batches skipped, then wrapped round and repeated.
        var examples = Examples(101);
        var source = new SftBatchSource(examples, batchSize: 3, padId: 0, packing, maxLength: 64, seed: 5, CPU);
        var wrong = new List<string>();
        for (int epoch = 0; epoch < 5; epoch++)
        {
            var seen = Epoch(source, examples, epoch).SelectMany(b => b).OrderBy(i => i).ToList();
            if (!seen.SequenceEqual(Enumerable.Range(0, examples.Count)))
                wrong.Add($"epoch {epoch}: missing [{string.Join(",", Enumerable.Range(0, examples.Count).Except(seen))}], repeated [{string.Join(",", seen.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key))}]");
        }
        Assert.True(wrong.Count == 0, $"packing={packing}: " + string.Join("; ", wrong));
        if (packing)
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < 5 * source.BatchesPerEpoch; i++) Assert.True(source.Get(i).InputIds.shape[1] <= 64);
            Assert.True(source.BatchesPerEpoch < 101 / 3 / 2, "rows hold several examples");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EpochsAreShuffledDifferentlyButReplay(bool packing)
    {
        var examples = Examples(101);
        var a = new SftBatchSource(examples, 3, 0, packing, 64, seed: 5, CPU);
        var b = new SftBatchSource(examples, 3, 0, packing, 64, seed: 5, CPU);
        var other = new SftBatchSource(examples, 3, 0, packing, 64, seed: 6, CPU);
        var epochs = Enumerable.Range(0, 3).Select(e => Epoch(a, examples, e).SelectMany(x => x).ToList()).ToList();
        for (int e = 0; e < 3; e++)
        {
            // Replays in another instance, and in any order of access (epoch 2 before epoch 0 here).
            Assert.Equal(epochs[2 - e], Epoch(b, examples, 2 - e).SelectMany(x => x));
            Assert.NotEqual(epochs[e], Epoch(other, examples, e).SelectMany(x => x));
        }
        Assert.NotEqual(epochs[0], epochs[1]);
        Assert.NotEqual(epochs[1], epochs[2]);
        Assert.NotEqual(epochs[0], epochs[2]);
    }

    [Fact]
    public void PackedRowsMarkTheirExamples()
    {
        using var scope = NewDisposeScope();
        var examples = Enumerable.Range(0, 10).Select(i => new SftExample(i, [(Enumerable.Repeat(100 + i, 30).ToArray(), false), (Enumerable.Repeat(200 + i, 10).ToArray(), true)])).ToList();
        var source = new SftBatchSource(examples, batchSize: 2, padId: 0, packing: true, maxLength: 100, seed: 0, device: CPU);
        // Two 40-token examples fit per 100-token row: 5 rows, batches of 2, 2 and 1.
        Assert.Equal(3, source.BatchesPerEpoch);
        var all = Enumerable.Range(0, 3).Select(i => source.Get(i)).ToList();
        Assert.Equal(new long[] { 1, 2, 2 }, all.Select(b => b.InputIds.shape[0]).Order());
        foreach (var batch in all)
        {
            Assert.True(batch.InputIds.shape[1] <= 100);
            var ids = batch.InputIds.data<long>().ToArray();
            var labels = batch.Labels.data<long>().ToArray();
            var seq = batch.SequenceIds!.data<long>().ToArray();
            // The trained tokens are exactly the answers; each example is numbered within its row.
            Assert.All(labels.Where(l => l >= 0), l => Assert.True(l >= 200));
            Assert.Equal(batch.InputIds.shape[0] * 2 * 10, labels.Count(l => l >= 200));
            for (int t = 0; t < ids.Length; t++) Assert.Equal(1 + t % 80 / 40, seq[t]);
        }
    }

    [Fact]
    public void APackedExampleIsNeverATargetOfTheOneBefore()
    {
        using var scope = NewDisposeScope();
        // Examples that start with answer tokens: alone, the first token is never predicted (nothing precedes it).
        var examples = Enumerable.Range(0, 4).Select(i => new SftExample(i, [(Enumerable.Repeat(200 + i, 5).ToArray(), true)])).ToList();
        var batch = new SftBatchSource(examples, batchSize: 1, padId: 0, packing: true, maxLength: 20, seed: 0, device: CPU).Get(0);
        var labels = batch.Labels.data<long>().ToArray();
        var seq = batch.SequenceIds!.data<long>().ToArray();
        for (int t = 0; t < labels.Length; t++)
            Assert.Equal(t == 0 || seq[t] != seq[t - 1] ? CausalLmLoss.IgnoreIndex : batch.InputIds.data<long>()[t], labels[t]);
        Assert.Equal(4 * 4, batch.LossTokens);
    }
}
