using System.Text.RegularExpressions;

namespace SharpTune.Evaluation;

/// <summary>
/// ROUGE-1, ROUGE-2 and ROUGE-L (Lin, 2004) as Google's rouge-score computes them without stemming: text is
/// lower-cased, every run of characters other than a–z and 0–9 becomes a separator; n-gram overlaps are
/// clipped counts; ROUGE-L uses the longest common subsequence; F1 is the harmonic mean of P and R.
/// Corpus scores are the mean of per-example F1.
/// </summary>
public static partial class Rouge
{
    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NonAlphanumeric();

    public static string[] Tokenize(string text) =>
        NonAlphanumeric().Replace(text.ToLowerInvariant(), " ").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public static RougeScore N(string candidate, string reference, int n) => N(Tokenize(candidate), Tokenize(reference), n);

    public static RougeScore N(string[] cand, string[] refr, int n)
    {
        var c = Ngrams(cand, n);
        var r = Ngrams(refr, n);
        int overlap = c.Sum(kv => Math.Min(kv.Value, r.GetValueOrDefault(kv.Key)));
        return RougeScore.From(overlap, Math.Max(0, cand.Length - n + 1), Math.Max(0, refr.Length - n + 1));
    }

    public static RougeScore L(string candidate, string reference) => L(Tokenize(candidate), Tokenize(reference));

    public static RougeScore L(string[] cand, string[] refr) => RougeScore.From(Lcs(cand, refr), cand.Length, refr.Length);

    private static Dictionary<string, int> Ngrams(string[] tokens, int n)
    {
        var d = new Dictionary<string, int>();
        for (int i = 0; i + n <= tokens.Length; i++)
        {
            var key = string.Join(' ', tokens, i, n);
            d[key] = d.GetValueOrDefault(key) + 1;
        }
        return d;
    }

    private static int Lcs(string[] a, string[] b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : Math.Max(prev[j], cur[j - 1]);
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    /// <summary>Mean F1 of ROUGE-1, ROUGE-2 and ROUGE-L over pairs (candidate, reference).</summary>
    public static RougeSummary Corpus(IReadOnlyList<(string Candidate, string Reference)> pairs)
    {
        if (pairs.Count == 0) return new RougeSummary(0, 0, 0, 0);
        double r1 = 0, r2 = 0, rl = 0;
        foreach (var (c, r) in pairs)
        {
            var ct = Tokenize(c);
            var rt = Tokenize(r);
            r1 += N(ct, rt, 1).F1;
            r2 += N(ct, rt, 2).F1;
            rl += L(ct, rt).F1;
        }
        return new RougeSummary(r1 / pairs.Count, r2 / pairs.Count, rl / pairs.Count, pairs.Count);
    }
}
