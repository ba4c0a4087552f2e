using System.Text.Json.Serialization;

namespace SharpTune.Audit.Planting;

/// <summary>
/// One finding kind against the planted truth: how many examples it flagged, how many of them were planted
/// (precision), and for each planted kind the share of those it flagged (recall).
/// </summary>
public sealed record DetectorScore(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("flagged")] int Flagged,
    [property: JsonPropertyName("planted_flagged")] int PlantedFlagged,
    [property: JsonPropertyName("precision")] double? Precision,
    [property: JsonPropertyName("recall")] IReadOnlyDictionary<string, double> Recall);
