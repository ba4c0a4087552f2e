namespace SharpTune.Data;

/// <summary>Turning JSONL into training examples.</summary>
public sealed record SftDataOptions
{
    public SftFormat Format { get; init; } = SftFormat.Auto;
    /// <summary>Prompt for pairs; {source} is the text, {source_indented} the text as a Debian description body.</summary>
    public string PairTemplate { get; init; } = DefaultPairTemplate;
    public const string DefaultPairTemplate = "{source_indented}Description:";
    public int MaxLength { get; init; } = 512;
    /// <summary>
    /// Over-long examples: truncate (default: cut the source text so prompt + answer fit, keeping the answer and
    /// the template's tail; the count is reported), skip, or error.
    /// </summary>
    public string Overflow { get; init; } = "truncate";
    public int? Limit { get; init; }
}
