namespace SharpTune.Data;

/// <summary>One summarisation example: a long text and its short summary (Debian: description and synopsis).</summary>
public sealed record SummaryPair(string Id, string Source, string Summary);
