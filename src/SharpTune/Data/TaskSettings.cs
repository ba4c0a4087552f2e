using System.Text.Json;
using System.Text.Json.Serialization;
using SharpTune.IO;

namespace SharpTune.Data;

/// <summary>
/// How a trained model or adapter expects to be prompted and decoded, saved beside its weights as
/// <c>sharptune_task.json</c> (PEFT and transformers ignore extra files). `eval`, `score`'s siblings and every later
/// command that generates from the folder read it, so `eval --model BASE --adapter DIR --data FILE` needs nothing else.
/// </summary>
public sealed record TaskSettings
{
    public const string FileName = "sharptune_task.json";

    [JsonPropertyName("pair_template")] public string PairTemplate { get; init; } = SftDataOptions.DefaultPairTemplate;
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 512;
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; } = 32;
    [JsonPropertyName("stop")] public IReadOnlyList<string> Stop { get; init; } = ["\n"];
    /// <summary>The training data's corruption record (`train --noise`), relative to the folder, when there is one.</summary>
    [JsonPropertyName("noise_record")] public string? NoiseRecord { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string dir) => AtomicFile.WriteAllText(Path.Combine(dir, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>The folder's settings, or null when it has none (a model from elsewhere).</summary>
    public static TaskSettings? Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        TaskSettings? s;
        try { s = JsonSerializer.Deserialize<TaskSettings>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new SharpTuneException($"{path}: invalid ({e.Message.Split('\n')[0]})"); }
        if (s is null) throw new SharpTuneException($"{path}: expected a JSON object");
        if (!s.PairTemplate.Contains("{source}") && !s.PairTemplate.Contains("{source_indented}"))
            throw new SharpTuneException($"{path}: pair_template has no {{source}} or {{source_indented}}");
        if (s.MaxLength < 8 || s.MaxNewTokens < 1) throw new SharpTuneException($"{path}: max_length must be ≥ 8 and max_new_tokens ≥ 1");
        return s;
    }
}
