namespace SharpTune.Cli.Options;

/// <summary>A string option that takes one of a fixed set of words (or, with List, a comma list of them).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute(params string[] choices) : Attribute
{
    public string[] Choices { get; } = choices;
    public bool List { get; init; }
}
