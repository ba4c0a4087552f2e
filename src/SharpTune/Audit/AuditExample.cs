namespace SharpTune.Audit;

/// <summary>
/// One example as the audit reads it: its 1-based line in the file, its id (the data's "id", else "line N"),
/// and its source and answer (which may be empty: an empty answer is a finding, not a read error).
/// </summary>
public sealed record AuditExample(int Line, string Id, string Source, string Summary);
