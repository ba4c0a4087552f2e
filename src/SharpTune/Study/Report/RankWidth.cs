namespace SharpTune.Study.Report;

/// <summary>
/// Where a LoRA rank reaches the adapted layer's width: a rank-r update of a d-wide layer is already full-rank when
/// r ≥ d, so larger ranks add parameters but no expressiveness. The width is the trial's "hidden_size" setting, else
/// the base model's, given to the report.
/// </summary>
public static class RankWidth
{
    public static double? Width(TrialGroup g, int? baseHiddenSize) => g.Number("hidden_size") ?? baseHiddenSize;

    /// <summary>One sentence per width for the page; empty when no rank-swept LoRA trials exist.</summary>
    public static IReadOnlyList<string> Notes(IReadOnlyList<TrialGroup> groups, int? baseHiddenSize)
    {
        var lora = groups.Where(g => SettingLabels.UsesRank(g.Get("method")) && g.Number("rank") is not null).ToList();
        if (lora.Select(g => g.Number("rank")).Distinct().Count() < 2) return [];
        var notes = new List<string>();
        foreach (var byWidth in lora.GroupBy(g => Width(g, baseHiddenSize)))
        {
            var ranks = byWidth.Select(g => g.Number("rank")!.Value).Distinct().Order().ToList();
            if (byWidth.Key is not { } w)
            {
                notes.Add($"Layer width unknown for ranks {Join(ranks)} (no hidden_size setting and none given): cannot tell where the update becomes full-rank.");
                continue;
            }
            var full = ranks.Where(r => r >= w).ToList();
            notes.Add(full.Count == 0
                ? $"All ranks swept ({Join(ranks)}) are below the layer width {w:0}: every LoRA update is low-rank."
                : $"Rank ≥ layer width {w:0} at r = {Join(full)}: there the LoRA update can be full-rank, so more rank adds parameters but no expressiveness (shaded in the rank plots).");
        }
        return notes;
    }

    /// <summary>
    /// The hidden size of the trials' base model when its folder is at hand (the record's base_model, else the "model"
    /// setting), so a sweep of the shipped base needs no --hidden-size. Null when no folder with a config.json exists.
    /// </summary>
    public static int? FromBaseModel(IEnumerable<TrialRecord> trials)
    {
        foreach (var dir in trials.SelectMany(t => new[] { t.BaseModel, t.Get("model") }).OfType<string>().Distinct())
        {
            var config = Path.Combine(dir, "config.json");
            if (File.Exists(config)) return Models.ModelConfig.Load(config).HiddenSize;
        }
        return null;
    }

    private static string Join(IEnumerable<double> ranks) => string.Join(", ", ranks.Select(r => r.ToString("0", System.Globalization.CultureInfo.InvariantCulture)));
}
