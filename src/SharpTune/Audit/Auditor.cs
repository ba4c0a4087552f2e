using SharpTune.Audit.Detectors;

namespace SharpTune.Audit;

/// <summary>
/// Runs the detectors and merges their findings per example: score = 1 − Π(1 − severity) over its reasons (two
/// independent suspicions weigh more than one; one certain defect is 1), worst first, ties by line.
/// </summary>
public static class Auditor
{
    public const string ModelKind = "likely-label-error";

    public static IReadOnlyList<IAuditDetector> ModelFree() =>
    [
        new DuplicateDetector(), new ConflictingAnswerDetector(), new LeakageDetector(), new AnswerShapeDetector(),
        new LengthRatioDetector(), new ScriptDetector(), new UnsupportedLabelDetector(), new InjectionTextDetector(),
    ];

    public static List<Finding> RunDetectors(AuditContext context, IEnumerable<IAuditDetector>? detectors = null) =>
        (detectors ?? ModelFree()).SelectMany(d => d.Detect(context)).ToList();

    /// <summary>
    /// Findings from the model ranking: the first ⌈<see cref="AuditOptions.ModelFlagShare"/> · n⌉ examples of the ranked
    /// list (by position, since tied ROUGE-L values keep ranks away from 1), severity 0.9 at the top down to 0.5.
    /// </summary>
    public static List<Finding> ModelFindings(IReadOnlyList<AuditExample> train, IReadOnlyList<ModelScore> scores, AuditOptions o)
    {
        var byLine = new Dictionary<int, int>();
        for (int i = 0; i < train.Count; i++) byLine[train[i].Line] = i;
        var ranked = scores.Where(s => byLine.ContainsKey(s.Line)).OrderByDescending(s => s.Rank).ThenBy(s => s.Line).ToList();
        int take = (int)Math.Ceiling(o.ModelFlagShare * ranked.Count);
        return ranked.Take(take).Select((s, n) => new Finding(byLine[s.Line], ModelKind,
            $"held-out loss {s.Loss:0.00} nats/token{(s.Gain is double g ? $" ({g:0.00} less than without the source)" : "")}, own summary \"{s.Prediction}\" (ROUGE-L {s.RougeL:0.00} with the label), rank {s.Rank:0.000}",
            0.9 - 0.4 * n / Math.Max(1, take))).ToList();
    }

    public static List<AuditEntry> Merge(IReadOnlyList<AuditExample> train, IEnumerable<Finding> findings) =>
        findings.GroupBy(f => f.Index).Select(g =>
        {
            var e = train[g.Key];
            double keep = g.Aggregate(1.0, (p, f) => p * (1 - Math.Clamp(f.Severity, 0, 1)));
            var reasons = g.OrderByDescending(f => f.Severity).Select(f => new AuditReason(f.Kind, f.Detail)).ToList();
            return new AuditEntry(e.Id, e.Line, Math.Round(1 - keep, 6), reasons);
        }).OrderByDescending(a => a.Score).ThenBy(a => a.Line).ToList();
}
