namespace SharpTune.Tests;

/// <summary>
/// A second, separately written ROUGE (no code shared with SharpTune.Evaluation.Rouge) to check reported
/// figures against: rouge-score's tokenizer (lower-case, anything but a–z/0–9 separates, no stemming) by a
/// character scan; clipped n-gram overlap by pairing each candidate n-gram with an unused equal reference
/// n-gram; LCS by the full dynamic-programming table.
/// </summary>
public static class RougeReference
{
    public static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (char raw in text.ToLowerInvariant())
        {
            if (raw is >= 'a' and <= 'z' or >= '0' and <= '9') { current.Append(raw); continue; }
            if (current.Length > 0) { tokens.Add(current.ToString()); current.Clear(); }
        }
        if (current.Length > 0) tokens.Add(current.ToString());
        return tokens;
    }

    private static double F1(int hits, int candidateCount, int referenceCount)
    {
        if (hits == 0 || candidateCount == 0 || referenceCount == 0) return 0;
        double p = (double)hits / candidateCount, r = (double)hits / referenceCount;
        return 2 * p * r / (p + r);
    }

    public static double NgramF1(string candidate, string reference, int n)
    {
        var c = Grams(Tokens(candidate), n);
        var r = Grams(Tokens(reference), n);
        var used = new bool[r.Count];
        int hits = 0;
        foreach (var g in c)
            for (int j = 0; j < r.Count; j++)
                if (!used[j] && r[j].SequenceEqual(g)) { used[j] = true; hits++; break; }
        return F1(hits, c.Count, r.Count);
    }

    private static List<string[]> Grams(List<string> t, int n) =>
        Enumerable.Range(0, Math.Max(0, t.Count - n + 1)).Select(i => t.Skip(i).Take(n).ToArray()).ToList();

    public static double LcsF1(string candidate, string reference)
    {
        var a = Tokens(candidate);
        var b = Tokens(reference);
        var table = new int[a.Count + 1, b.Count + 1];
        for (int i = a.Count - 1; i >= 0; i--)
            for (int j = b.Count - 1; j >= 0; j--)
                table[i, j] = a[i] == b[j] ? table[i + 1, j + 1] + 1 : Math.Max(table[i + 1, j], table[i, j + 1]);
        return F1(table[0, 0], a.Count, b.Count);
    }

    /// <summary>Mean F1 of ROUGE-1, ROUGE-2, ROUGE-L over (candidate, reference) pairs.</summary>
    public static (double R1, double R2, double RL) Corpus(IReadOnlyList<(string Candidate, string Reference)> pairs) =>
        (pairs.Average(p => NgramF1(p.Candidate, p.Reference, 1)), pairs.Average(p => NgramF1(p.Candidate, p.Reference, 2)),
         pairs.Average(p => LcsF1(p.Candidate, p.Reference)));
}
