using System.Text.Json.Serialization;

namespace SharpTune.Audit;

/// <summary>
/// The cross-validated model's view of one held-out example: mean loss per answer token (nats), its own greedy
/// summary, ROUGE-L F1 of that summary against the label, the fold it was held out in, and its rank in [0, 1]
/// (1: the most suspicious; the mean of its loss percentile and its 1 − ROUGE-L percentile).
/// </summary>
public sealed record ModelScore(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("fold")] int Fold,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("prediction")] string Prediction,
    [property: JsonPropertyName("rouge_l")] double RougeL,
    [property: JsonPropertyName("rank")] double Rank);
