using System.Text.Json.Serialization;

namespace SharpTune.Study.Recommendation;

/// <summary>A configuration rule a removed, with one sentence (with the numbers) per limit it exceeded.</summary>
public sealed record DroppedConfig(
    [property: JsonPropertyName("config")] ConfigPoint Config,
    [property: JsonPropertyName("why")] IReadOnlyList<string> Why);
