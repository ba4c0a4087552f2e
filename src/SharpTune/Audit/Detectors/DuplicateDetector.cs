namespace SharpTune.Audit.Detectors;

/// <summary>
/// Exact duplicates (the same source and answer after normalisation) and near duplicates (Jaccard ≥
/// <see cref="AuditOptions.NearDuplicateJaccard"/> on word shingles of source + answer, found by MinHash/LSH).
/// The first occurrence stays unflagged: only the later copies are redundant.
/// </summary>
public sealed class DuplicateDetector : IAuditDetector
{
    public const string Exact = "exact-duplicate", Near = "near-duplicate";

    public IReadOnlyList<string> Kinds => [Exact, Near];

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        var train = c.Train;
        var first = new Dictionary<string, int>();
        var exact = new HashSet<int>();
        for (int i = 0; i < train.Count; i++)
        {
            var key = AuditText.Normalise(train[i].Source) + "\u0001" + AuditText.Normalise(train[i].Summary);
            if (first.TryGetValue(key, out int f))
            {
                exact.Add(i);
                yield return new Finding(i, Exact, $"same source and answer as line {train[f].Line} ({train[f].Id})", 1.0);
            }
            else first[key] = i;
        }
        var o = c.Options;
        var index = new MinHashIndex(o.ShingleWords, o.LshBands, o.LshRows);
        var sets = train.Select(e => index.Shingles(e.Source + " \u2016 " + e.Summary)).ToList();
        // The earliest near copy names each later one, once.
        var best = new Dictionary<int, (int I, double J)>();
        foreach (var (i, j, jac) in index.SimilarPairs(sets, null, o.NearDuplicateJaccard))
        {
            if (exact.Contains(j) || exact.Contains(i)) continue;
            if (!best.TryGetValue(j, out var b) || i < b.I) best[j] = (i, jac);
        }
        foreach (var (j, (i, jac)) in best.OrderBy(kv => kv.Key))
            yield return new Finding(j, Near, $"Jaccard {jac:0.00} (word {o.ShingleWords}-shingles of source and answer) with line {train[i].Line} ({train[i].Id})", 0.6);
    }
}
