using System.Text.Json.Serialization;

namespace SharpTune.Audit;

/// <summary>Why an example was flagged: the detector's kind (e.g. "near-duplicate") and a human-readable detail.</summary>
public sealed record AuditReason(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("detail")] string Detail);
