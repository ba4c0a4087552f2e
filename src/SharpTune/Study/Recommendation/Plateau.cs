using System.Text.Json.Serialization;

namespace SharpTune.Study.Recommendation;

/// <summary>
/// Rule c on one curve (LoRA configs that differ only in <see cref="Axis"/>): <see cref="Value"/> is the smallest
/// swept value after which no larger one gains a material amount; null when quality still rises at the end.
/// </summary>
public sealed record Plateau(
    [property: JsonPropertyName("axis")] string Axis,
    [property: JsonPropertyName("curve")] string Curve,
    [property: JsonPropertyName("value")] int? Value,
    [property: JsonPropertyName("points")] IReadOnlyList<CurvePoint> Points,
    [property: JsonPropertyName("explanation")] string Explanation)
{
    [JsonPropertyName("reached")] public bool Reached => Value is not null;

    /// <summary>The grouping key of the curve's configs (settings minus the axis and the seed).</summary>
    [JsonIgnore] public string CurveKey { get; init; } = "";
}
