using System.Text.Json.Serialization;

namespace SharpTune.Audit.Planting;

/// <summary>
/// The audit measured on planted errors. Precision of a finding kind = flagged planted examples ÷ flagged examples
/// (a "conflict-original" counts as planted only for conflicting-answer, whose job is to name both sides; every
/// other flag on a clean example counts against the detector, even where the data really has that defect).
/// Recall per planted kind = its planted examples flagged ÷ its planted examples. Precision@k of the model ranking
/// counts planted examples (originals excluded) among the k highest ranks.
/// </summary>
public sealed record PlantedEvaluation(
    [property: JsonPropertyName("examples")] int Examples,
    [property: JsonPropertyName("planted")] IReadOnlyDictionary<string, int> Planted,
    [property: JsonPropertyName("detectors")] IReadOnlyList<DetectorScore> Detectors,
    [property: JsonPropertyName("any_recall")] IReadOnlyDictionary<string, double> AnyRecall,
    [property: JsonPropertyName("model_precision_at_k")] IReadOnlyDictionary<string, double>? ModelPrecisionAtK)
{
    /// <summary>Precision at k = the planted count of each signal of the ranking on its own ("loss", "low_gain", "own_summary"), beside the combined rank's.</summary>
    [JsonPropertyName("model_precision_by_signal")] public IReadOnlyDictionary<string, double>? ModelPrecisionBySignal { get; init; }

    public const string Original = "conflict-original";

    public static PlantedEvaluation Compute(int examples, IReadOnlyList<PlantedError> planted, IReadOnlyList<AuditEntry> entries,
        IReadOnlyList<ModelScore>? model, IReadOnlyList<string> allKinds)
    {
        var kindOf = planted.ToDictionary(p => p.Line, p => p.Kind);
        var plantedKinds = planted.Select(p => p.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
        var counts = plantedKinds.ToDictionary(k => k, k => planted.Count(p => p.Kind == k));
        var flaggedBy = allKinds.ToDictionary(k => k, _ => new HashSet<int>());
        foreach (var e in entries)
            foreach (var r in e.Reasons)
            {
                if (!flaggedBy.TryGetValue(r.Kind, out var set)) flaggedBy[r.Kind] = set = [];
                set.Add(e.Line);
            }
        var detectors = flaggedBy.Select(kv =>
        {
            int hits = kv.Value.Count(l => kindOf.TryGetValue(l, out var k) && (k != Original || kv.Key == global::SharpTune.Audit.Detectors.ConflictingAnswerDetector.Kind));
            var recall = plantedKinds.ToDictionary(k => k, k => counts[k] == 0 ? 0 : (double)planted.Count(p => p.Kind == k && kv.Value.Contains(p.Line)) / counts[k]);
            return new DetectorScore(kv.Key, kv.Value.Count, hits, kv.Value.Count == 0 ? null : (double)hits / kv.Value.Count, recall);
        }).ToList();
        var anyFlag = entries.Where(e => e.Reasons.Any(r => r.Kind != Auditor.ModelKind)).Select(e => e.Line).ToHashSet();
        var anyRecall = plantedKinds.ToDictionary(k => k, k => (double)planted.Count(p => p.Kind == k && anyFlag.Contains(p.Line)) / counts[k]);
        Dictionary<string, double>? atK = null;
        if (model is { Count: > 0 })
        {
            var ranked = model.OrderByDescending(m => m.Rank).ThenBy(m => m.Line).Select(m => m.Line).ToList();
            int truth = planted.Count(p => p.Kind != Original);
            atK = new Dictionary<string, double>();
            foreach (int k in new[] { 10, 25, 50, 100, truth }.Where(k => k > 0 && k <= ranked.Count).Distinct().Order())
                atK[k == truth ? $"{k} (= planted)" : $"{k}"] = (double)ranked.Take(k).Count(l => kindOf.TryGetValue(l, out var pk) && pk != Original) / k;
        }
        Dictionary<string, double>? bySignal = null;
        int plantedTruth = planted.Count(p => p.Kind != Original);
        if (model is { Count: > 0 } && plantedTruth > 0 && plantedTruth <= model.Count)
        {
            bySignal = new Dictionary<string, double>();
            foreach (var (name, f) in Model.CrossValidation.Signals)
            {
                if (model.All(m => double.IsNaN(f(m)))) continue;
                var top = Model.CrossValidation.RankedBy(model, f).Take(plantedTruth).Select(m => m.Line);
                bySignal[name] = (double)top.Count(l => kindOf.TryGetValue(l, out var pk) && pk != Original) / plantedTruth;
            }
        }
        return new PlantedEvaluation(examples, counts, detectors, anyRecall, atK) { ModelPrecisionBySignal = bySignal };
    }
}
