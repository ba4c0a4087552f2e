namespace SharpTune.Data;

/// <summary>Turning JSONL into training examples.</summary>
public sealed record SftDataOptions
{
    public SftFormat Format { get; init; } = SftFormat.Auto;
    /// <summary>Prompt for pairs; {source} is the text, {source_indented} the text as a Debian description body.</summary>
    public string PairTemplate { get; init; } = DefaultPairTemplate;
    public const string DefaultPairTemplate = "{source_indented}Description:";
    public int MaxLength { get; init; } = 512;
    /// <summary>error (default), skip, or truncate (cut the prompt's source so prompt + answer fit).</summary>
    public string Overflow { get; init; } = "error";
    public int? Limit { get; init; }
}
