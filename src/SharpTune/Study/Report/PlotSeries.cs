namespace SharpTune.Study.Report;

/// <summary>A line of a figure: the points that share every varying setting but the x axis, sorted by x.</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<SeriesPoint> Points)
{
    /// <summary>
    /// Splits the groups that have a numeric <paramref name="xKey"/> and the metric into series by the other settings
    /// that vary among them (the seed and tuned keys excluded). Series with a single x value are dropped: a line
    /// needs two points to show a trend.
    /// </summary>
    public static IReadOnlyList<PlotSeries> ByXSetting(IReadOnlyList<TrialGroup> groups, string xKey, ReportMetric metric,
        IReadOnlyCollection<string> tunedKeys)
    {
        var candidates = groups.Where(g => g.Number(xKey) is not null && g.Stat(metric) is not null).ToList();
        var keys = SettingLabels.Varying(candidates, [xKey, TrialGrouping.SeedKey, .. tunedKeys]);
        return candidates
            .GroupBy(g => SettingLabels.Describe(g, keys))
            .Select(s => new PlotSeries(s.Key, s.Select(g => new SeriesPoint(g.Number(xKey)!.Value, g.Stat(metric)!, null, g)).OrderBy(p => p.X).ToList()))
            .Where(s => s.Points.Select(p => p.X).Distinct().Count() >= 2)
            .ToList();
    }
}
