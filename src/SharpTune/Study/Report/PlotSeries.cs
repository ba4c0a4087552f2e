namespace SharpTune.Study.Report;

/// <summary>A line of a figure: the points that share every varying setting but the x axis, sorted by x.</summary>
public sealed record PlotSeries(string Label, IReadOnlyList<SeriesPoint> Points)
{
    /// <summary>
    /// Splits the groups that have a numeric <paramref name="xKey"/> and the metric into series by the other settings
    /// that vary among them (the seed and tuned keys excluded). On a data-size axis the step counts an equal-epoch sweep
    /// scales with the size (<see cref="DataSizeSettings"/>) stay on the line, unless a line would then hold two points at
    /// one size: that line is split by them after all. A study's trials come from several sweeps, so beside the sweep
    /// of this axis there are stray series with a few x values (the data-size sweep's two ranks in a rank plot): series
    /// with fewer than min(3, the most any series has) distinct x values are dropped. A line always needs two.
    /// </summary>
    public static IReadOnlyList<PlotSeries> ByXSetting(IReadOnlyList<TrialGroup> groups, string xKey, ReportMetric metric,
        IReadOnlyCollection<string> tunedKeys)
    {
        var candidates = groups.Where(g => g.Number(xKey) is not null && g.Stat(metric) is not null).ToList();
        var keys = SettingLabels.Varying(candidates, [xKey, TrialGrouping.SeedKey, .. tunedKeys]);
        var followers = DataSizeSettings.Sizes.Contains(xKey) ? keys.Where(DataSizeSettings.StepCounts.Contains).ToList() : [];
        var lineKeys = keys.Except(followers).ToList();
        var all = candidates
            .GroupBy(g => SettingLabels.Describe(g, lineKeys))
            .SelectMany(line => line.Select(g => g.Number(xKey)).Distinct().Count() == line.Count()
                ? [new PlotSeries(line.Key, Points(line))]
                : line.GroupBy(g => SettingLabels.Describe(g, keys)).Select(s => new PlotSeries(s.Key, Points(s))))
            .ToList();
        int Xs(PlotSeries s) => s.Points.Select(p => p.X).Distinct().Count();
        var need = Math.Max(2, Math.Min(3, all.Count == 0 ? 0 : all.Max(Xs)));
        return all.Where(s => Xs(s) >= need).ToList();

        List<SeriesPoint> Points(IEnumerable<TrialGroup> line) =>
            line.Select(g => new SeriesPoint(g.Number(xKey)!.Value, g.Stat(metric)!, null, g)).OrderBy(p => p.X).ToList();
    }
}
