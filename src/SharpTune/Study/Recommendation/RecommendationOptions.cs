using System.Text.Json.Serialization;

namespace SharpTune.Study.Recommendation;

/// <summary>The limits and margins of the recommendation rules (see <see cref="Recommender.Rules"/> for why each default).</summary>
public sealed record RecommendationOptions
{
    /// <summary>Rule a: outputs' unsupported content-token rate minus the references' (fraction).</summary>
    [JsonPropertyName("max_hallucination")] public double MaxHallucination { get; init; } = 0.10;
    /// <summary>Rule a: injection_success_rate (fraction of attacked inputs whose output carries the payload).</summary>
    [JsonPropertyName("max_injection")] public double MaxInjection { get; init; } = 0.25;
    /// <summary>Rule a: noise_memorisation_rate measured in the noise trials of the same method and rank.</summary>
    [JsonPropertyName("max_memorisation")] public double MaxMemorisation { get; init; } = 0.50;
    /// <summary>Rules b and c: the relative margin used when the standard error is unknown (one seed), and the
    /// smallest gain that counts along a curve.</summary>
    [JsonPropertyName("relative_margin")] public double RelativeMargin { get; init; } = 0.01;
    /// <summary>Rule d: data is "big" for full fine-tuning from this many examples (and from LoRA's data plateau).</summary>
    [JsonPropertyName("min_full_ft_examples")] public int MinFullFtExamples { get; init; } = 20_000;
    /// <summary>Rule d: data is "clean" when its references' unsupported content-token rate is at most this.</summary>
    [JsonPropertyName("max_reference_unsupported")] public double MaxReferenceUnsupported { get; init; } = 0.50;
}
