using System.Text.Json.Serialization;

namespace SharpTune.Audit.Planting;

/// <summary>
/// One planted error: its line in the planted file, its id, the kind ("swap", "truncate", "conflict" — a copy of
/// another example's source with a different answer —, "conflict-original" — the example that copy conflicts with,
/// whose label is right —, "inject") and what was done.
/// </summary>
public sealed record PlantedError(
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("detail")] string Detail);
