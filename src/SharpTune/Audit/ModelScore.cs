using System.Text.Json.Serialization;

namespace SharpTune.Audit;

/// <summary>
/// The cross-validated model's view of one held-out example: mean loss per answer token (nats) of its label, the
/// same with the source left out (<see cref="PriorLoss"/>; null when the fold did not write it), their difference
/// <see cref="Gain"/> (how much the source explains the label), its own greedy summary, ROUGE-L F1 of that summary
/// against the label, the fold it was held out in, and its rank in [0, 1] (1: the most suspicious; see
/// <see cref="Model.CrossValidation"/>).
/// </summary>
public sealed record ModelScore(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("line")] int Line,
    [property: JsonPropertyName("fold")] int Fold,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("prediction")] string Prediction,
    [property: JsonPropertyName("rouge_l")] double RougeL,
    [property: JsonPropertyName("rank")] double Rank)
{
    [JsonPropertyName("prior_loss")] public double? PriorLoss { get; init; }

    /// <summary>Nats per answer token the source saves: prior loss − loss (null without both).</summary>
    [JsonPropertyName("gain")] public double? Gain => PriorLoss is double p && double.IsFinite(p) && double.IsFinite(Loss) ? p - Loss : null;
}
