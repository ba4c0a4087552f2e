namespace SharpTune.Study.Report;

/// <summary>
/// One point of the study: the finished trials that share every setting but the seed. Its numbers are
/// <see cref="Spread"/>s over those trials.
/// </summary>
public sealed record TrialGroup(IReadOnlyDictionary<string, string> Settings, IReadOnlyList<TrialRecord> Trials)
{
    public string? Get(string key) => Settings.TryGetValue(key, out var v) ? v : null;

    /// <summary>The setting as a number (invariant culture), or null when absent or not numeric.</summary>
    public double? Number(string key) =>
        Get(key) is { } s && double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? d : null;

    /// <summary>Mean ± spread of a metric over the trials that measured it; null when none did.</summary>
    public Spread? Stat(ReportMetric metric) => Spread.Of(Trials.Select(t => metric.Of(t.Metrics)).OfType<double>());

    public IEnumerable<string> Seeds => Trials.Select(t => t.Get(TrialGrouping.SeedKey) ?? "?");
}
