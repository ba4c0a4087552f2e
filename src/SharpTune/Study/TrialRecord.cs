using System.Text.Json.Serialization;

namespace SharpTune.Study;

/// <summary>
/// One run in the experiment store: a sweep trial, or a single `train`. <see cref="Settings"/> holds the train
/// options that define it (option names without "--", values as text: "method" → "lora", "rank" → "8", "train_examples"
/// → "2000", "noise" → "0.1", "seed" → "1", "lr" → "0.002", "scaling" → "classic"|"rslora", …); the report and the
/// recommendation group trials by these. <see cref="Id"/> is stable for the same sweep and settings, so a resumed
/// sweep recognises a finished trial and never runs it twice.
/// </summary>
public sealed record TrialRecord
{
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("sweep")] public string? Sweep { get; init; }
    [JsonPropertyName("settings")] public required IReadOnlyDictionary<string, string> Settings { get; init; }
    [JsonPropertyName("status")] public TrialStatus Status { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("metrics")] public TrialMetrics? Metrics { get; init; }
    /// <summary>The step whose checkpoint is the result (the best dev loss when evaluation ran).</summary>
    [JsonPropertyName("best_step")] public long? BestStep { get; init; }
    [JsonPropertyName("code_version")] public string? CodeVersion { get; init; }
    [JsonPropertyName("data_fingerprint")] public string? DataFingerprint { get; init; }
    [JsonPropertyName("base_model")] public string? BaseModel { get; init; }
    /// <summary>Where the run's adapter/model folder, metrics.jsonl and run.json are.</summary>
    [JsonPropertyName("artifact_dir")] public string? ArtifactDir { get; init; }
    [JsonPropertyName("started_at")] public DateTimeOffset? StartedAt { get; init; }
    [JsonPropertyName("finished_at")] public DateTimeOffset? FinishedAt { get; init; }

    public string? Get(string key) => Settings.TryGetValue(key, out var v) ? v : null;
}
