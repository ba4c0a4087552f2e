using System.Text.Json.Serialization;

namespace SharpTune.Study.Sweeps;

/// <summary>What a trial process leaves in its folder (result.json) when it finishes.</summary>
public sealed record TrialOutcome
{
    [JsonPropertyName("metrics")] public required TrialMetrics Metrics { get; init; }
    [JsonPropertyName("best_step")] public long? BestStep { get; init; }
    [JsonPropertyName("steps")] public long Steps { get; init; }
    [JsonPropertyName("data_fingerprint")] public string? DataFingerprint { get; init; }
}
