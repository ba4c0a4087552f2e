namespace SharpTune.Study.Report;

/// <summary>Groups finished trials into points (settings minus the seed) and picks the tuned rate per configuration.</summary>
public static class TrialGrouping
{
    public const string SeedKey = "seed";

    /// <summary>
    /// Finished trials with metrics, grouped by all their settings but the seed; groups in first-seen order.
    /// Failed, pending and running trials are not points (the report lists them separately).
    /// </summary>
    public static IReadOnlyList<TrialGroup> Group(IEnumerable<TrialRecord> trials)
    {
        var groups = new Dictionary<string, (Dictionary<string, string> Settings, List<TrialRecord> Trials)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var t in trials.Where(t => t.Status == TrialStatus.Finished && t.Metrics is not null))
        {
            var settings = t.Settings.Where(kv => kv.Key != SeedKey).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            var key = Key(settings);
            if (!groups.TryGetValue(key, out var g)) { g = (settings, []); groups[key] = g; order.Add(key); }
            g.Trials.Add(t);
        }
        return order.Select(k => new TrialGroup(groups[k].Settings, groups[k].Trials)).ToList();
    }

    /// <summary>
    /// When a setting was tuned on a grid (the learning rate, per method), plots show one point per configuration:
    /// the group whose grid value did best on the dev set — lowest mean dev loss when every candidate measured it,
    /// else highest mean ROUGE-L. Groups that were not tuned pass through. All trials stay in the table.
    /// </summary>
    public static IReadOnlyList<TrialGroup> SelectTuned(IReadOnlyList<TrialGroup> groups, IReadOnlyCollection<string> tunedKeys)
    {
        if (tunedKeys.Count == 0) return groups;
        var kept = new List<TrialGroup>();
        foreach (var family in groups.GroupBy(g => Key(g.Settings.Where(kv => !tunedKeys.Contains(kv.Key))), StringComparer.Ordinal))
        {
            var candidates = family.ToList();
            if (candidates.Count == 1) { kept.Add(candidates[0]); continue; }
            var byLoss = candidates.All(g => g.Stat(ReportMetric.DevLoss) is not null);
            var best = byLoss
                ? candidates.MinBy(g => g.Stat(ReportMetric.DevLoss)!.Mean)!
                : candidates.MaxBy(g => g.Stat(ReportMetric.RougeL)?.Mean ?? double.NegativeInfinity)!;
            kept.Add(best);
        }
        // Keep the original order of the survivors.
        var set = kept.ToHashSet();
        return groups.Where(set.Contains).ToList();
    }

    /// <summary>A canonical text key of a settings set (sorted, ordinal).</summary>
    public static string Key(IEnumerable<KeyValuePair<string, string>> settings) =>
        string.Join("\u001f", settings.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "\u001e" + kv.Value));
}
