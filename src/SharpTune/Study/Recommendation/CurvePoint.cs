using System.Text.Json.Serialization;

namespace SharpTune.Study.Recommendation;

/// <summary>One point of a quality curve: the swept value (rank or data size) and mean ROUGE-L ± SE there.</summary>
public sealed record CurvePoint(
    [property: JsonPropertyName("x")] int X,
    [property: JsonPropertyName("rougeL")] Estimate RougeL);
