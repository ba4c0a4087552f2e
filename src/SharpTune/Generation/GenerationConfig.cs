using SharpTune.IO;

namespace SharpTune.Generation;

/// <summary>
/// A model folder's <c>generation_config.json</c>: its end-of-sequence ids (which may differ from config.json's)
/// and the decoding defaults it declares, each checked for type and range when the file is read.
/// </summary>
public sealed record GenerationConfig
{
    public const string FileName = "generation_config.json";

    public int[] EosTokenIds { get; init; } = [];
    public int? BosTokenId { get; init; }
    public int? PadTokenId { get; init; }
    public bool? DoSample { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? TopK { get; init; }
    public double? RepetitionPenalty { get; init; }
    public int? MaxNewTokens { get; init; }
    public int? MaxLength { get; init; }

    /// <summary>The folder's generation_config.json, or null when it has none.</summary>
    public static GenerationConfig? Load(string modelDir)
    {
        var path = Path.Combine(modelDir, FileName);
        return File.Exists(path) ? Parse(JsonInput.LoadObject(path), path) : null;
    }

    public static GenerationConfig Parse(System.Text.Json.Nodes.JsonObject o, string path)
    {
        var r = new JsonFields(o, path);
        var config = new GenerationConfig
        {
            EosTokenIds = r.IntOrList("eos_token_id"),
            BosTokenId = r.Int("bos_token_id", 0),
            // As in config.json, a negative pad id means "none".
            PadTokenId = r.Int("pad_token_id") is int p && p >= 0 ? p : null,
            DoSample = r.Bool("do_sample"),
            Temperature = r.Double("temperature", 0),
            TopP = r.Double("top_p", 0, 1),
            TopK = r.Int("top_k", 0),
            RepetitionPenalty = r.Double("repetition_penalty", 0, minExclusive: true),
            MaxNewTokens = r.Int("max_new_tokens", 1),
            MaxLength = r.Int("max_length", 1),
        };
        // Checked for type and range though SharpTune does not use them, so a typo'd file is caught where it is.
        r.Int("min_new_tokens", 0);
        r.Int("min_length", 0);
        r.Int("num_beams", 1);
        r.Double("typical_p", 0, 1);
        r.Int("no_repeat_ngram_size", 0);
        r.Double("length_penalty");
        r.Bool("use_cache");
        return config;
    }

    public static int[] EosIds(string modelDir) => Load(modelDir)?.EosTokenIds ?? [];
}
