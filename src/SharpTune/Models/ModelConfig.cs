using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Models;

/// <summary>
/// The architecture-relevant part of a Hugging Face <c>config.json</c>, normalised across families
/// (GPT-2 says n_embd where Llama says hidden_size). <see cref="Raw"/> keeps the file's own JSON so that
/// saving writes back every field, including ones SharpTune does not interpret.
/// </summary>
public sealed record ModelConfig
{
    public required Architecture Architecture { get; init; }
    public required string ModelType { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required int MaxPositions { get; init; }
    public required double NormEps { get; init; }
    public double RopeTheta { get; init; } = 10000;
    public RopeScaling? RopeScaling { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    public required string HiddenAct { get; init; }
    public bool AttentionBias { get; init; }
    public bool AttentionOutBias { get; init; }
    public bool MlpBias { get; init; }
    /// <summary>Keys further back than this are masked (Mistral v0.1). Null: full causal attention.</summary>
    public int? SlidingWindow { get; init; }
    public bool ScaleAttnByInverseLayerIdx { get; init; }
    public int[] EosTokenIds { get; init; } = [];
    public int? BosTokenId { get; init; }
    public int? PadTokenId { get; init; }
    public string TorchDtype { get; init; } = "float32";
    public JsonObject Raw { get; init; } = new();

    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found (a Hugging Face model folder needs config.json)");
        JsonObject raw;
        try { raw = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new SharpTuneException($"{path}: empty JSON"); }
        catch (JsonException e) { throw new SharpTuneException($"{path}: invalid JSON ({e.Message})"); }
        return FromJson(raw, path);
    }

    public static ModelConfig FromJson(JsonObject raw, string source = "config.json")
    {
        var r = new Reader(raw, source);
        string modelType = r.Str("model_type") ?? throw new SharpTuneException($"{source}: field 'model_type' is missing");
        switch (modelType)
        {
            case "llama":
            case "mistral":
            case "qwen2":
            {
                bool qwen = modelType == "qwen2";
                if (qwen && r.Bool("use_sliding_window") == true)
                    throw new SharpTuneException($"{source}: 'use_sliding_window': true is not supported for qwen2 (per-layer windows); set it false");
                int hidden = r.ReqInt("hidden_size");
                int heads = r.ReqInt("num_attention_heads");
                int kv = r.Int("num_key_value_heads") ?? heads;
                int headDim = r.Int("head_dim") ?? hidden / heads;
                if (heads % kv != 0) throw new SharpTuneException($"{source}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}");
                bool attnBias = qwen || (r.Bool("attention_bias") ?? false);
                return new ModelConfig
                {
                    Architecture = qwen ? Architecture.Qwen2 : Architecture.Llama,
                    ModelType = modelType,
                    VocabSize = r.ReqInt("vocab_size"),
                    HiddenSize = hidden,
                    IntermediateSize = r.ReqInt("intermediate_size"),
                    NumLayers = r.ReqInt("num_hidden_layers"),
                    NumHeads = heads,
                    NumKvHeads = kv,
                    HeadDim = headDim,
                    MaxPositions = r.Int("max_position_embeddings") ?? 2048,
                    NormEps = r.Double("rms_norm_eps") ?? 1e-6,
                    RopeTheta = r.Double("rope_theta") ?? 10000,
                    RopeScaling = ParseRopeScaling(raw["rope_scaling"], source),
                    TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? false,
                    HiddenAct = r.Str("hidden_act") ?? "silu",
                    AttentionBias = attnBias,
                    // Llama's attention_bias covers o_proj too; Qwen2 has biases on q/k/v only.
                    AttentionOutBias = !qwen && attnBias,
                    MlpBias = r.Bool("mlp_bias") ?? false,
                    SlidingWindow = modelType == "mistral" ? r.Int("sliding_window") : null,
                    EosTokenIds = r.IntList("eos_token_id"),
                    BosTokenId = r.Int("bos_token_id"),
                    PadTokenId = r.Int("pad_token_id"),
                    TorchDtype = r.Str("torch_dtype") ?? "float32",
                    Raw = raw,
                };
            }
            case "gpt2":
            {
                int hidden = r.ReqInt("n_embd");
                int heads = r.ReqInt("n_head");
                if (r.Bool("reorder_and_upcast_attn") == true)
                { /* fp32 on CPU already upcasts; the reorder only changes rounding in half precision. */ }
                return new ModelConfig
                {
                    Architecture = Architecture.Gpt2,
                    ModelType = modelType,
                    VocabSize = r.ReqInt("vocab_size"),
                    HiddenSize = hidden,
                    IntermediateSize = r.Int("n_inner") ?? 4 * hidden,
                    NumLayers = r.ReqInt("n_layer"),
                    NumHeads = heads,
                    NumKvHeads = heads,
                    HeadDim = hidden / heads,
                    MaxPositions = r.Int("n_positions") ?? 1024,
                    NormEps = r.Double("layer_norm_epsilon") ?? 1e-5,
                    TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? true,
                    HiddenAct = r.Str("activation_function") ?? "gelu_new",
                    AttentionBias = true,
                    AttentionOutBias = true,
                    MlpBias = true,
                    ScaleAttnByInverseLayerIdx = r.Bool("scale_attn_by_inverse_layer_idx") ?? false,
                    EosTokenIds = r.IntList("eos_token_id"),
                    BosTokenId = r.Int("bos_token_id"),
                    PadTokenId = r.Int("pad_token_id"),
                    TorchDtype = r.Str("torch_dtype") ?? "float32",
                    Raw = raw,
                };
            }
            default:
                throw new SharpTuneException($"{source}: model_type '{modelType}' is not supported (expected llama, mistral, qwen2 or gpt2)");
        }
    }

    private static RopeScaling? ParseRopeScaling(JsonNode? node, string source)
    {
        if (node is not JsonObject o) return null;
        var r = new Reader(o, source + ": rope_scaling");
        string type = r.Str("rope_type") ?? r.Str("type") ?? "default";
        return type switch
        {
            "default" => null,
            "linear" => new RopeScaling("linear", r.Double("factor") ?? 1),
            "llama3" => new RopeScaling("llama3", r.Double("factor") ?? 8, r.Double("low_freq_factor") ?? 1,
                r.Double("high_freq_factor") ?? 4, r.Int("original_max_position_embeddings") ?? 8192),
            _ => throw new SharpTuneException($"{source}: rope_scaling type '{type}' is not supported (expected linear or llama3)"),
        };
    }

    /// <summary>Typed access to config fields with errors that name the field.</summary>
    private readonly struct Reader(JsonObject o, string source)
    {
        public string? Str(string k) => o[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        public bool? Bool(string k) => o[k] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;
        public double? Double(string k) => o[k] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        public int? Int(string k)
        {
            if (o[k] is not JsonValue v) return null;
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<double>(out var d) && d == Math.Floor(d)) return (int)d;
            throw new SharpTuneException($"{source}: field '{k}' must be an integer, got {v.ToJsonString()}");
        }
        public int ReqInt(string k) => Int(k) is int i && i > 0 ? i : throw new SharpTuneException($"{source}: field '{k}' is missing or not a positive integer");
        public int[] IntList(string k) => o[k] switch
        {
            JsonArray a => a.Select(n => n!.GetValue<int>()).ToArray(),
            JsonValue => [Int(k)!.Value],
            _ => [],
        };
    }

    /// <summary>The config as JSON to write next to saved weights (the original fields, unchanged).</summary>
    public string ToJson() => Raw.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
