namespace SharpTune.Audit.Detectors;

/// <summary>
/// Length-ratio outliers: x = ln((answer chars + 1) / (source chars + 1)) per example, robust z =
/// (x − median) / (1.4826 · MAD) (the MAD scaled to σ for normal data; Iglewicz &amp; Hoaglin's modified z),
/// flagged at |z| ≥ <see cref="AuditOptions.LengthRatioZ"/>. Robust statistics, so the outliers themselves do not
/// move the centre or the spread. Empty answers are left to <see cref="AnswerShapeDetector"/>.
/// </summary>
public sealed class LengthRatioDetector : IAuditDetector
{
    public const string Kind = "length-ratio-outlier";

    public IReadOnlyList<string> Kinds => [Kind];

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        var idx = Enumerable.Range(0, c.Train.Count).Where(i => c.Train[i].Summary.Trim().Length > 0).ToList();
        if (idx.Count < 3) yield break;
        var x = idx.Select(i => LogRatio(c.Train[i])).ToArray();
        double median = Median(x);
        double mad = Median(x.Select(v => Math.Abs(v - median)).ToArray());
        if (mad <= 0) yield break;
        double sigma = 1.4826 * mad;
        for (int k = 0; k < idx.Count; k++)
        {
            double z = (x[k] - median) / sigma;
            if (Math.Abs(z) < c.Options.LengthRatioZ) continue;
            var e = c.Train[idx[k]];
            yield return new Finding(idx[k], Kind, $"answer/source length {e.Summary.Trim().Length}/{e.Source.Trim().Length} chars, robust z {z:+0.0;-0.0} " +
                $"(median ratio {Math.Exp(median):0.000})", Math.Min(0.7, 0.4 + 0.05 * (Math.Abs(z) - c.Options.LengthRatioZ)));
        }
    }

    public static double LogRatio(AuditExample e) => Math.Log((e.Summary.Trim().Length + 1.0) / (e.Source.Trim().Length + 1.0));

    public static double Median(double[] values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
