namespace SharpTune.Audit.Detectors;

/// <summary>
/// Train ↔ dev overlap: a training source with Jaccard ≥ <see cref="AuditOptions.NearDuplicateJaccard"/> (word
/// shingles, MinHash/LSH) to a dev source. Such an example makes dev scores measure memory, not skill.
/// </summary>
public sealed class LeakageDetector : IAuditDetector
{
    public const string Kind = "dev-leakage";

    public IReadOnlyList<string> Kinds => [Kind];

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        if (c.Dev.Count == 0) yield break;
        var o = c.Options;
        var index = new MinHashIndex(o.ShingleWords, o.LshBands, o.LshRows);
        var train = c.Train.Select(e => index.Shingles(e.Source)).ToList();
        var dev = c.Dev.Select(e => index.Shingles(e.Source)).ToList();
        var best = new Dictionary<int, (int J, double Jac)>();
        foreach (var (i, j, jac) in index.SimilarPairs(train, dev, o.NearDuplicateJaccard))
            if (!best.TryGetValue(i, out var b) || jac > b.Jac) best[i] = (j, jac);
        foreach (var (i, (j, jac)) in best.OrderBy(kv => kv.Key))
            yield return new Finding(i, Kind, $"source {(jac >= 1 ? "identical to" : $"Jaccard {jac:0.00} with")} dev line {c.Dev[j].Line} ({c.Dev[j].Id})", 1.0);
    }
}
