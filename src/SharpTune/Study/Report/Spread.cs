namespace SharpTune.Study.Report;

/// <summary>
/// A point's value over seeds: the mean, the sample standard deviation (n − 1), the standard error of the mean
/// (sd / √n) and how many seeds. With one seed no spread can be measured; sd and se are then 0 and n says so.
/// </summary>
public sealed record Spread(double Mean, double Sd, double Se, int N)
{
    public static Spread? Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return null;
        var mean = v.Average();
        if (v.Length == 1) return new Spread(mean, 0, 0, 1);
        var sd = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        return new Spread(mean, sd, sd / Math.Sqrt(v.Length), v.Length);
    }
}
