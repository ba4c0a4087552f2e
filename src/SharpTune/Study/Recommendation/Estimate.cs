using System.Text.Json.Serialization;

namespace SharpTune.Study.Recommendation;

/// <summary>
/// A mean over seeds with its standard error (sample standard deviation / √n). With one seed the spread is unknown,
/// so <see cref="Se"/> is null rather than 0: a zero would make every other config look significantly worse.
/// </summary>
public sealed record Estimate(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("se")] double? Se,
    [property: JsonPropertyName("n")] int N)
{
    /// <summary>Null when there are no values (the metric was not measured).</summary>
    public static Estimate? Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0) return null;
        double mean = v.Average();
        if (v.Length == 1) return new Estimate(mean, null, 1);
        double ss = v.Sum(x => (x - mean) * (x - mean));
        return new Estimate(mean, Math.Sqrt(ss / (v.Length - 1)) / Math.Sqrt(v.Length), v.Length);
    }

    public override string ToString() => Se is { } se
        ? FormattableString.Invariant($"{Mean:F4} ± {se:F4} (n={N})")
        : FormattableString.Invariant($"{Mean:F4} (n=1, SE unknown)");
}
