namespace SharpTune.Audit;

/// <summary>
/// MinHash signatures over word shingles and LSH banding (Broder 1997; Leskovec et al., Mining of Massive Datasets
/// ch. 3): each text's shingle set gets bands × rows min-hashes, texts sharing any whole band are candidates, and
/// every candidate pair is confirmed on the exact Jaccard similarity of the shingle sets, so LSH decides only what
/// is compared, never what is reported. Hash functions are (a·x + b) mod (2⁶¹ − 1) with seeded a, b.
/// </summary>
public sealed class MinHashIndex
{
    private const ulong Prime = (1UL << 61) - 1;
    private readonly int _bands, _rows, _shingle;
    private readonly ulong[] _a, _b;

    public MinHashIndex(int shingleWords, int bands, int rows, int seed = 1)
    {
        if (shingleWords < 1 || bands < 1 || rows < 1) throw new ArgumentOutOfRangeException(nameof(bands));
        (_shingle, _bands, _rows) = (shingleWords, bands, rows);
        var rng = new Random(seed);
        _a = new ulong[bands * rows];
        _b = new ulong[bands * rows];
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = 1 + (ulong)rng.NextInt64(1, (long)Prime - 1);
            _b[i] = (ulong)rng.NextInt64(0, (long)Prime - 1);
        }
    }

    /// <summary>The set of hashed word shingles of a text (a text shorter than a shingle is one shingle of all its words).</summary>
    public HashSet<ulong> Shingles(string text)
    {
        var w = AuditText.Words(text);
        var set = new HashSet<ulong>();
        if (w.Length == 0) return set;
        int k = Math.Min(_shingle, w.Length);
        for (int i = 0; i + k <= w.Length; i++) set.Add(Fnv(string.Join(' ', w, i, k)));
        return set;
    }

    public static double Jaccard(HashSet<ulong> x, HashSet<ulong> y)
    {
        if (x.Count == 0 && y.Count == 0) return 1;
        int inter = x.Count <= y.Count ? x.Count(y.Contains) : y.Count(x.Contains);
        return (double)inter / (x.Count + y.Count - inter);
    }

    /// <summary>
    /// Pairs (i, j), i in <paramref name="left"/> and j in <paramref name="right"/> (i &lt; j when both are the same list),
    /// whose shingle sets have Jaccard ≥ <paramref name="threshold"/>. Empty sets are never paired.
    /// </summary>
    public List<(int I, int J, double Jaccard)> SimilarPairs(IReadOnlyList<HashSet<ulong>> left, IReadOnlyList<HashSet<ulong>>? right, double threshold)
    {
        bool self = right is null;
        right ??= left;
        var buckets = new Dictionary<(int Band, ulong Key), List<int>>();
        for (int j = 0; j < right.Count; j++)
        {
            if (right[j].Count == 0) continue;
            var sig = Signature(right[j]);
            for (int band = 0; band < _bands; band++)
            {
                var key = (band, BandKey(sig, band));
                if (!buckets.TryGetValue(key, out var list)) buckets[key] = list = [];
                list.Add(j);
            }
        }
        var seen = new HashSet<(int, int)>();
        var pairs = new List<(int, int, double)>();
        for (int i = 0; i < left.Count; i++)
        {
            if (left[i].Count == 0) continue;
            var sig = Signature(left[i]);
            for (int band = 0; band < _bands; band++)
            {
                if (!buckets.TryGetValue((band, BandKey(sig, band)), out var list)) continue;
                foreach (int j in list)
                {
                    if (self && j <= i) continue;
                    if (!seen.Add((i, j))) continue;
                    double jac = Jaccard(left[i], right[j]);
                    if (jac >= threshold) pairs.Add((i, j, jac));
                }
            }
        }
        return pairs;
    }

    private ulong[] Signature(HashSet<ulong> shingles)
    {
        var sig = new ulong[_a.Length];
        Array.Fill(sig, ulong.MaxValue);
        foreach (var s in shingles)
        {
            ulong x = s % Prime;
            for (int h = 0; h < sig.Length; h++)
            {
                ulong v = (ulong)(((UInt128)_a[h] * x + _b[h]) % Prime);
                if (v < sig[h]) sig[h] = v;
            }
        }
        return sig;
    }

    private ulong BandKey(ulong[] sig, int band)
    {
        ulong key = 1469598103934665603UL;
        for (int r = 0; r < _rows; r++) key = (key ^ sig[band * _rows + r]) * 1099511628211UL;
        return key;
    }

    private static ulong Fnv(string s)
    {
        ulong h = 1469598103934665603UL;
        foreach (char c in s) h = (h ^ c) * 1099511628211UL;
        return h;
    }
}
