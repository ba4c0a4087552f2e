using System.Text.Json.Serialization;

namespace SharpTune.Study;

/// <summary>One training step's measurements for a run (the lines of its metrics.jsonl).</summary>
public sealed record StepMetrics(
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("loss")] double? Loss,
    [property: JsonPropertyName("eval_loss")] double? EvalLoss,
    [property: JsonPropertyName("lr")] double? LearningRate);
