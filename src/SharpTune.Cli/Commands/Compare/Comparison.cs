namespace SharpTune.Cli.Commands.Compare;

/// <summary>
/// One workload measured alternately (SharpTune, PyTorch, SharpTune, PyTorch, …). Ratios are SharpTune ÷ PyTorch
/// per round, pairing the two processes that ran next to each other, so slow drifts of the shared machine's load
/// cancel within a pair; min/median/max show how much that load moved them.
/// </summary>
public sealed record Comparison(string Workload, IReadOnlyList<ComparedRun> SharpTune, IReadOnlyList<ComparedRun> PyTorch)
{
    public IReadOnlyList<double> SpeedRatios => SharpTune.Zip(PyTorch, (a, b) => a.TokensPerSecond / b.TokensPerSecond).ToList();

    public double SharpTuneTokensPerSecond => Median(SharpTune.Select(r => r.TokensPerSecond));
    public double PyTorchTokensPerSecond => Median(PyTorch.Select(r => r.TokensPerSecond));
    public double MinRatio => SpeedRatios.Min();
    public double MedianRatio => Median(SpeedRatios);
    public double MaxRatio => SpeedRatios.Max();

    /// <summary>Peak RSS does not depend on load: the largest of each side's runs.</summary>
    public long SharpTunePeakRss => SharpTune.Max(r => r.PeakRssBytes);
    public long PyTorchPeakRss => PyTorch.Max(r => r.PeakRssBytes);
    public double RssRatio => (double)SharpTunePeakRss / PyTorchPeakRss;

    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) throw new ArgumentException("no values");
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
