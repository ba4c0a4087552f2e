using SharpTune.Data;

namespace SharpTune.Tests;

public class LabelNoiseTests
{
    private static List<SummaryPair> Pairs(int n) => Enumerable.Range(0, n).Select(i => new SummaryPair($"p{i}", $"source {i}", $"summary {i}")).ToList();

    [Fact]
    public void CorruptsTheRequestedShareInTwoRecordedKinds()
    {
        var pairs = Pairs(200);
        var (noisy, record) = LabelNoise.Apply(pairs, 0.1, seed: 7);
        Assert.Equal(20, record.Count);
        Assert.Equal(10, record.Count(r => r.Kind == "swap"));
        Assert.Equal(10, record.Count(r => r.Kind == "canary"));
        // Exactly the recorded examples changed, each to its recorded noisy answer; the rest are untouched.
        var changed = noisy.Where((p, i) => p.Summary != pairs[i].Summary).Select(p => p.Id).ToHashSet();
        Assert.Equal(record.Select(r => r.Id).ToHashSet(), changed);
        foreach (var r in record)
        {
            var p = noisy.Single(x => x.Id == r.Id);
            Assert.Equal(r.Noisy, p.Summary);
            Assert.NotEqual(r.Clean, r.Noisy);
            if (r.Kind == "canary") Assert.Equal(LabelNoise.Canary, r.Noisy);
            else Assert.Contains(pairs, q => q.Id != r.Id && q.Summary == r.Noisy); // another example's summary
        }
    }

    [Fact]
    public void TheSameSeedCorruptsTheSameExamplesAndAnotherSeedOthers()
    {
        var a = LabelNoise.Apply(Pairs(100), 0.2, 1).Corrupted.Select(r => r.Id).ToList();
        var b = LabelNoise.Apply(Pairs(100), 0.2, 1).Corrupted.Select(r => r.Id).ToList();
        var c = LabelNoise.Apply(Pairs(100), 0.2, 2).Corrupted.Select(r => r.Id).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void ZeroNoiseChangesNothingAndOutOfRangeIsAnError()
    {
        var (noisy, record) = LabelNoise.Apply(Pairs(10), 0, 1);
        Assert.Empty(record);
        Assert.Equal(Pairs(10), noisy);
        Assert.Throws<SharpTune.IO.SharpTuneException>(() => LabelNoise.Apply(Pairs(10), 1.5, 1));
        Assert.Throws<SharpTune.IO.SharpTuneException>(() => LabelNoise.Apply(Pairs(10), double.NaN, 1));
    }
}
