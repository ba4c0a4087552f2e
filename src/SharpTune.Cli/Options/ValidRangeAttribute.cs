namespace SharpTune.Cli.Options;

/// <summary>
/// The values a numeric option accepts, checked before any work starts (NaN and ±∞ are refused for every
/// floating-point option whether or not it has a range). Open ends exclude the bound: (0, 1] is Min 0 open.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ValidRangeAttribute(double min, double max = double.PositiveInfinity) : Attribute
{
    public double Min { get; } = min;
    public double Max { get; } = max;
    public bool MinOpen { get; init; }
    public bool MaxOpen { get; init; }

    public bool Contains(double v) => (MinOpen ? v > Min : v >= Min) && (MaxOpen ? v < Max : v <= Max);

    /// <summary>"≥ 1", "> 0", "in [0, 1)" — the phrase the error message and the tests use.</summary>
    public string Describe()
    {
        if (double.IsPositiveInfinity(Max)) return $"{(MinOpen ? ">" : "≥")} {Min:G}";
        return $"in {(MinOpen ? "(" : "[")}{Min:G}, {Max:G}{(MaxOpen ? ")" : "]")}";
    }
}
