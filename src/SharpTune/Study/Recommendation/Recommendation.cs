using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SharpTune.Study.Recommendation;

/// <summary>What <see cref="Recommender"/> concluded: the config to use (null when nothing passes), why, what it dropped, where
/// quality plateaus, and what to do next.</summary>
public sealed record Recommendation
{
    [JsonPropertyName("recommended")] public ConfigPoint? Recommended { get; init; }
    [JsonPropertyName("method")] public string? Method => Recommended?.Method;
    [JsonPropertyName("rank")] public int? Rank => Recommended?.Rank;
    [JsonPropertyName("train_examples")] public int? TrainExamples => Recommended?.TrainExamples;
    [JsonPropertyName("reasons")] public required IReadOnlyList<string> Reasons { get; init; }
    [JsonPropertyName("dropped")] public required IReadOnlyList<DroppedConfig> Dropped { get; init; }
    [JsonPropertyName("plateaus")] public required IReadOnlyList<Plateau> Plateaus { get; init; }
    /// <summary>The headline plateaus (the curve through the recommended config, else the longest curve).</summary>
    [JsonPropertyName("plateau_rank")] public int? PlateauRank { get; init; }
    [JsonPropertyName("plateau_train_examples")] public int? PlateauTrainExamples { get; init; }
    [JsonPropertyName("lora_ceiling_reached")] public bool LoraCeilingReached { get; init; }
    [JsonPropertyName("next_step")] public required string NextStep { get; init; }
    [JsonPropertyName("warnings")] public required IReadOnlyList<string> Warnings { get; init; }
    [JsonPropertyName("limits")] public required RecommendationOptions Limits { get; init; }
    [JsonPropertyName("configs")] public int Configs { get; init; }
    [JsonPropertyName("trials_used")] public int TrialsUsed { get; init; }
    [JsonPropertyName("trials_ignored")] public int TrialsIgnored { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A few readable lines for the terminal.</summary>
    public string ToText()
    {
        var sb = new StringBuilder();
        if (Recommended is { } r)
        {
            sb.AppendLine($"Recommended: {r.Label}");
            sb.AppendLine(FormattableString.Invariant($"  ROUGE-L {r.RougeL}") + (r.Chrf is { } c ? FormattableString.Invariant($", chrF {c.Mean:F1}") : "") + "; " + r.Cost());
        }
        else sb.AppendLine("Recommended: nothing — no configuration passes the limits.");
        sb.AppendLine("Why:");
        foreach (var s in Reasons) sb.AppendLine("  - " + s);
        if (Dropped.Count > 0)
        {
            sb.AppendLine($"Dropped ({Dropped.Count}):");
            foreach (var d in Dropped) sb.AppendLine($"  - {d.Config.Label}: {string.Join("; ", d.Why)}");
        }
        string P(int? v, string what) => v is { } x ? x.ToString("N0", CultureInfo.InvariantCulture) : $"not reached ({what})";
        sb.AppendLine($"Plateaus: rank {P(PlateauRank, Plateaus.Any(p => p.Axis == "rank") ? "still rising" : "no rank curve")}, " +
                      $"data size {P(PlateauTrainExamples, Plateaus.Any(p => p.Axis == "train_examples") ? "still rising" : "no data-size curve")}");
        sb.AppendLine("Next step: " + NextStep);
        foreach (var w in Warnings) sb.AppendLine("Warning: " + w);
        return sb.ToString();
    }
}
