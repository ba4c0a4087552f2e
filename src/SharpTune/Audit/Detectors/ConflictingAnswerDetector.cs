using SharpTune.Evaluation;

namespace SharpTune.Audit.Detectors;

/// <summary>
/// The same source (Jaccard ≥ <see cref="AuditOptions.NearDuplicateJaccard"/> on word shingles, exact copies included)
/// with answers that disagree (ROUGE-L F1 between the answers below <see cref="AuditOptions.ConflictMaxRougeL"/>): the
/// model is taught two answers for one input. Both are flagged — which one is wrong cannot be told without a model.
/// Answers that differ only a little ("… (runtime)" / "… (development files)") are not a conflict.
/// </summary>
public sealed class ConflictingAnswerDetector : IAuditDetector
{
    public const string Kind = "conflicting-answer";

    public IReadOnlyList<string> Kinds => [Kind];

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        var train = c.Train;
        var o = c.Options;
        var index = new MinHashIndex(o.ShingleWords, o.LshBands, o.LshRows);
        var sets = train.Select(e => index.Shingles(e.Source)).ToList();
        var partner = new Dictionary<int, (int Other, double Jaccard, double Rouge)>();
        foreach (var (i, j, jac) in index.SimilarPairs(sets, null, o.NearDuplicateJaccard))
        {
            double r = Rouge.L(train[i].Summary, train[j].Summary).F1;
            if (r >= o.ConflictMaxRougeL) continue;
            if (!partner.ContainsKey(i)) partner[i] = (j, jac, r);
            if (!partner.ContainsKey(j)) partner[j] = (i, jac, r);
        }
        foreach (var (k, (other, jac, r)) in partner.OrderBy(kv => kv.Key))
            yield return new Finding(k, Kind, $"source {(jac >= 1 ? "identical to" : $"Jaccard {jac:0.00} with")} line {train[other].Line} ({train[other].Id}), " +
                $"answers disagree (ROUGE-L {r:0.00}): \"{Clip(train[other].Summary)}\"", 0.9);
    }

    internal static string Clip(string s, int n = 80) => s.Length <= n ? s : s[..n] + "…";
}
