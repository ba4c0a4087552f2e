using System.Text.Json.Serialization;

namespace SharpTune.Audit;

/// <summary>One line of audit.jsonl: a flagged example, its combined score in (0, 1] and every reason.</summary>
public sealed record AuditEntry(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("reasons")] IReadOnlyList<AuditReason> Reasons);
