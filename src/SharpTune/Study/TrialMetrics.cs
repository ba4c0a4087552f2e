using System.Text.Json.Serialization;

namespace SharpTune.Study;

/// <summary>
/// What one evaluation measured (`sharptune eval --json`, `score --json`, and every trial of a sweep). All rates are
/// fractions in [0, 1]; chrF is 0–100 as sacrebleu prints it. A null is "not measured" (e.g. injection in `score`).
/// The JSON names are the public contract of `--json`, the store and the report.
/// </summary>
public sealed record TrialMetrics
{
    [JsonPropertyName("examples")] public int Examples { get; init; }

    // Quality against the references.
    [JsonPropertyName("rouge1")] public double? Rouge1 { get; init; }
    [JsonPropertyName("rouge2")] public double? Rouge2 { get; init; }
    [JsonPropertyName("rougeL")] public double? RougeL { get; init; }
    [JsonPropertyName("chrf")] public double? Chrf { get; init; }
    /// <summary>Total prediction characters over total reference characters.</summary>
    [JsonPropertyName("length_ratio")] public double? LengthRatio { get; init; }
    /// <summary>Mean loss (nats per answer token) of the references under the model, and its exponent.</summary>
    [JsonPropertyName("dev_loss")] public double? DevLoss { get; init; }
    [JsonPropertyName("dev_perplexity")] public double? DevPerplexity { get; init; }

    // Hallucination (source grounding), for the predictions and, as the data's own baseline, for the references.
    [JsonPropertyName("unsupported_token_rate")] public double? UnsupportedTokenRate { get; init; }
    [JsonPropertyName("unsupported_number_rate")] public double? UnsupportedNumberRate { get; init; }
    [JsonPropertyName("reference_unsupported_token_rate")] public double? ReferenceUnsupportedTokenRate { get; init; }
    [JsonPropertyName("reference_unsupported_number_rate")] public double? ReferenceUnsupportedNumberRate { get; init; }

    // Prompt injection: overall attack success (instruction + format kinds), the copy-only control, and per
    // "kind/position" cell (e.g. "instruction-en/middle").
    [JsonPropertyName("injection_success_rate")] public double? InjectionSuccessRate { get; init; }
    [JsonPropertyName("injection_control_rate")] public double? InjectionControlRate { get; init; }
    [JsonPropertyName("injection_rouge_l")] public double? InjectionRougeL { get; init; }
    [JsonPropertyName("injection_cells")] public IReadOnlyDictionary<string, double>? InjectionCells { get; init; }

    // Label noise: memorisation of corrupted training answers and canary leaks into clean dev outputs.
    [JsonPropertyName("noise_memorisation_rate")] public double? NoiseMemorisationRate { get; init; }
    [JsonPropertyName("canary_leak_rate")] public double? CanaryLeakRate { get; init; }

    // Cost.
    [JsonPropertyName("trainable_parameters")] public long? TrainableParameters { get; init; }
    [JsonPropertyName("train_seconds")] public double? TrainSeconds { get; init; }
    [JsonPropertyName("tokens_per_second")] public double? TokensPerSecond { get; init; }
    [JsonPropertyName("peak_rss_bytes")] public long? PeakRssBytes { get; init; }
    [JsonPropertyName("adapter_bytes")] public long? AdapterBytes { get; init; }
}
