using System.Text;

namespace SharpTune.Evaluation;

/// <summary>
/// chrF (Popović, 2015) as sacrebleu 2.x computes it (written here from its definition; no .NET package serves it):
/// whitespace removed (unless kept), character n-grams of orders 1…6 counted by Unicode code point (as Python
/// indexes strings), matches clipped; per order precision and recall; the score is F-beta (beta 2) of the
/// precision and recall averaged over the orders that both sides have ("effective order"), times 100.
/// With <see cref="EpsSmoothing"/> the score is instead the mean over all orders of each order's F-beta, with an
/// empty order counting as 1e-16 (sacrebleu's eps_smoothing, as chrF++.py and NLTK do).
/// Corpus chrF sums the statistics of all sentences first (not the mean of sentence scores).
/// Word n-grams (chrF++) are not implemented: word order is 0.
/// </summary>
public sealed record Chrf(int CharOrder = 6, double Beta = 2, bool EpsSmoothing = false, bool KeepWhitespace = false)
{
    private const double Eps = 1e-16;

    public ChrfStatistics Statistics(string hypothesis, string reference)
    {
        var stats = new ChrfStatistics(CharOrder);
        var hyp = CodePoints(hypothesis);
        var refr = CodePoints(reference);
        for (int n = 1; n <= CharOrder; n++)
        {
            var h = Ngrams(hyp, n);
            var r = Ngrams(refr, n);
            stats.Hypothesis[n - 1] = Math.Max(0, hyp.Length - n + 1);
            stats.Reference[n - 1] = Math.Max(0, refr.Length - n + 1);
            stats.Matches[n - 1] = h.Sum(kv => (long)Math.Min(kv.Value, r.GetValueOrDefault(kv.Key)));
        }
        return stats;
    }

    /// <summary>chrF of one hypothesis against one reference, 0–100.</summary>
    public double Sentence(string hypothesis, string reference) => Score(Statistics(hypothesis, reference));

    /// <summary>Corpus chrF from summed statistics, 0–100.</summary>
    public double Corpus(IReadOnlyList<string> hypotheses, IReadOnlyList<string> references)
    {
        if (hypotheses.Count != references.Count)
            throw new ArgumentException($"{hypotheses.Count} hypotheses but {references.Count} references");
        var total = new ChrfStatistics(CharOrder);
        for (int i = 0; i < hypotheses.Count; i++) total.Add(Statistics(hypotheses[i], references[i]));
        return Score(total);
    }

    public double Score(ChrfStatistics s)
    {
        double factor = Beta * Beta, sumF = 0, avgP = 0, avgR = 0;
        int effective = 0;
        for (int i = 0; i < s.Order; i++)
        {
            double p = s.Hypothesis[i] > 0 ? (double)s.Matches[i] / s.Hypothesis[i] : Eps;
            double r = s.Reference[i] > 0 ? (double)s.Matches[i] / s.Reference[i] : Eps;
            double denom = factor * p + r;
            sumF += denom > 0 ? (1 + factor) * p * r / denom : Eps;
            if (s.Hypothesis[i] > 0 && s.Reference[i] > 0)
            {
                avgP += p; avgR += r; effective++;
            }
        }
        if (EpsSmoothing) return 100 * sumF / s.Order;
        if (effective == 0) return 0;
        avgP /= effective; avgR /= effective;
        return avgP + avgR > 0 ? 100 * (1 + factor) * avgP * avgR / (factor * avgP + avgR) : 0;
    }

    private int[] CodePoints(string text)
    {
        var list = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes())
            if (KeepWhitespace || !IsPythonWhitespace(rune)) list.Add(rune.Value);
        return list.ToArray();
    }

    // Python's str.split() (what sacrebleu uses to drop whitespace) splits on Unicode White_Space plus the
    // ASCII separators \x1c–\x1f; Rune.IsWhiteSpace covers White_Space.
    private static bool IsPythonWhitespace(Rune r) => Rune.IsWhiteSpace(r) || r.Value is >= 0x1c and <= 0x1f;

    private static Dictionary<string, int> Ngrams(int[] cps, int n)
    {
        var d = new Dictionary<string, int>();
        var sb = new StringBuilder();
        for (int i = 0; i + n <= cps.Length; i++)
        {
            sb.Clear();
            for (int j = i; j < i + n; j++) sb.Append(char.ConvertFromUtf32(cps[j]));
            var key = sb.ToString();
            d[key] = d.GetValueOrDefault(key) + 1;
        }
        return d;
    }
}
