namespace SharpTune.Cli.Options;

/// <summary>A string option whose value must match a regular expression (anchored), e.g. a device name.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MatchesAttribute(string pattern, string expected) : Attribute
{
    public string Pattern { get; } = pattern;
    public string Expected { get; } = expected;
}
