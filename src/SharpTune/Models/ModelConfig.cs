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

    public static ModelConfig Load(string path) =>
        FromJson(JsonInput.LoadObject(path, "a Hugging Face model folder needs config.json"), path);

    /// <summary>torch_dtype values a checkpoint may declare (the dtypes SharpTune can load and save).</summary>
    public static readonly string[] SupportedDtypes = ["float32", "float16", "bfloat16"];

    // A ceiling on token ids and positions far beyond any released model; it keeps an id-indexed table of a
    // mistyped config (vocab_size 2e9) from being allocated before the memory check below can say why.
    private const int MaxVocab = 1 << 24;

    public static ModelConfig FromJson(JsonObject raw, string source = "config.json")
    {
        var r = new JsonFields(raw, source);
        string modelType = r.Str("model_type") ?? throw r.Missing("model_type", "llama, mistral, qwen2 or gpt2");
        ModelConfig config;
        switch (modelType)
        {
            case "llama":
            case "mistral":
            case "qwen2":
            {
                bool qwen = modelType == "qwen2";
                if (qwen && r.Bool("use_sliding_window") == true)
                    throw new SharpTuneException($"{source}: 'use_sliding_window': true is not supported for qwen2 (per-layer windows); set it false");
                int vocab = r.ReqInt("vocab_size", 1, MaxVocab);
                int hidden = r.ReqInt("hidden_size");
                int heads = r.ReqInt("num_attention_heads");
                int kv = r.Int("num_key_value_heads", 1) ?? heads;
                if (heads % kv != 0)
                    throw new SharpTuneException($"{source}: field 'num_key_value_heads' is {kv}; expected a positive divisor of num_attention_heads ({heads})");
                if (!r.Has("head_dim") && hidden / heads == 0)
                    throw new SharpTuneException($"{source}: field 'num_attention_heads' ({heads}) is larger than hidden_size ({hidden}); expected at most hidden_size (or set head_dim)");
                int headDim = r.Int("head_dim", 1) ?? hidden / heads;
                if (headDim % 2 != 0)
                    throw new SharpTuneException($"{source}: head dimension {headDim} (head_dim, or hidden_size / num_attention_heads) must be even for rotary embeddings");
                bool attnBias = qwen || (r.Bool("attention_bias") ?? false);
                config = new ModelConfig
                {
                    Architecture = qwen ? Architecture.Qwen2 : Architecture.Llama,
                    ModelType = modelType,
                    VocabSize = vocab,
                    HiddenSize = hidden,
                    IntermediateSize = r.ReqInt("intermediate_size"),
                    NumLayers = r.ReqInt("num_hidden_layers"),
                    NumHeads = heads,
                    NumKvHeads = kv,
                    HeadDim = headDim,
                    MaxPositions = r.Int("max_position_embeddings", 1) ?? 2048,
                    NormEps = r.Double("rms_norm_eps", 0) ?? 1e-6,
                    RopeTheta = r.Double("rope_theta", 0, minExclusive: true) ?? 10000,
                    RopeScaling = ParseRopeScaling(r),
                    TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? false,
                    HiddenAct = Activation(r, "hidden_act", "silu"),
                    AttentionBias = attnBias,
                    // Llama's attention_bias covers o_proj too; Qwen2 has biases on q/k/v only.
                    AttentionOutBias = !qwen && attnBias,
                    MlpBias = r.Bool("mlp_bias") ?? false,
                    SlidingWindow = modelType == "mistral" ? r.Int("sliding_window", 1) : null,
                    EosTokenIds = r.IntOrList("eos_token_id"),
                    BosTokenId = r.Int("bos_token_id", 0),
                    PadTokenId = PadId(r, vocab),
                    TorchDtype = Dtype(r),
                    Raw = raw,
                };
                break;
            }
            case "gpt2":
            {
                int vocab = r.ReqInt("vocab_size", 1, MaxVocab);
                int hidden = r.ReqInt("n_embd");
                int heads = r.ReqInt("n_head");
                if (hidden % heads != 0)
                    throw new SharpTuneException($"{source}: field 'n_head' is {heads}; expected a divisor of n_embd ({hidden})");
                if (r.Bool("reorder_and_upcast_attn") == true)
                { /* fp32 on CPU already upcasts; the reorder only changes rounding in half precision. */ }
                config = new ModelConfig
                {
                    Architecture = Architecture.Gpt2,
                    ModelType = modelType,
                    VocabSize = vocab,
                    HiddenSize = hidden,
                    IntermediateSize = r.Int("n_inner", 1) ?? (int)Math.Min(4L * hidden, int.MaxValue),
                    NumLayers = r.ReqInt("n_layer"),
                    NumHeads = heads,
                    NumKvHeads = heads,
                    HeadDim = hidden / heads,
                    MaxPositions = r.Int("n_positions", 1, MaxVocab) ?? 1024,
                    NormEps = r.Double("layer_norm_epsilon", 0) ?? 1e-5,
                    TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? true,
                    HiddenAct = Activation(r, "activation_function", "gelu_new"),
                    AttentionBias = true,
                    AttentionOutBias = true,
                    MlpBias = true,
                    ScaleAttnByInverseLayerIdx = r.Bool("scale_attn_by_inverse_layer_idx") ?? false,
                    EosTokenIds = r.IntOrList("eos_token_id"),
                    BosTokenId = r.Int("bos_token_id", 0),
                    PadTokenId = PadId(r, vocab),
                    TorchDtype = Dtype(r),
                    Raw = raw,
                };
                break;
            }
            default:
                throw new SharpTuneException($"{source}: model_type '{JsonInput.Clip(modelType)}' is not supported (expected llama, mistral, qwen2 or gpt2)");
        }
        config.CheckSize(source);
        return config;
    }

    /// <summary>Parameters the config describes (weights, biases and norms), counted in double so no field product overflows.</summary>
    public double ParameterCount()
    {
        double h = HiddenSize, q = (double)NumHeads * HeadDim, kv = (double)NumKvHeads * HeadDim, i = IntermediateSize;
        double attn = h * q + 2 * h * kv + q * h + (AttentionBias ? q + 2 * kv : 0) + (AttentionOutBias ? h : 0);
        double mlp = (Architecture == Architecture.Gpt2 ? 2 : 3) * h * i + (MlpBias ? 2 * i + h : 0);
        double layer = attn + mlp + 4 * h;
        double embed = (double)VocabSize * h * (TieWordEmbeddings ? 1 : 2) + (Architecture == Architecture.Gpt2 ? (double)MaxPositions * h : 0);
        return NumLayers * layer + embed + 2 * h;
    }

    // Refuses shapes that cannot be built, before any allocation: a tensor dimension beyond int range (the
    // module code multiplies them as ints), or fp32 weights larger than this machine's memory.
    private void CheckSize(string source)
    {
        if ((long)NumHeads * HeadDim > int.MaxValue)
            throw new SharpTuneException($"{source}: num_attention_heads × head_dim = {(long)NumHeads * HeadDim} is beyond what a tensor dimension can hold");
        double parameters = ParameterCount();
        double bytes = parameters * 4;
        long memory = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > memory)
            throw new SharpTuneException($"{source}: this config describes {parameters:0.###e0} parameters ({bytes / (1L << 30):N1} GiB in fp32), more than this machine's {memory / (double)(1L << 30):N1} GiB of memory (check vocab_size {VocabSize}, hidden_size {HiddenSize}, intermediate_size {IntermediateSize}, num_hidden_layers {NumLayers})");
    }

    private static string Activation(JsonFields r, string key, string fallback)
    {
        var name = r.Str(key) ?? fallback;
        return Activations.Names.Contains(name) ? name : throw r.Error(key, $"one of {string.Join(", ", Activations.Names)}");
    }

    private static string Dtype(JsonFields r)
    {
        var name = r.Str("torch_dtype") ?? "float32";
        return SupportedDtypes.Contains(name) ? name : throw r.Error("torch_dtype", "float32, float16 or bfloat16");
    }

    // HF configs of some older checkpoints write pad_token_id -1 for "none"; that is what it means here too.
    private static int? PadId(JsonFields r, int vocab) => r.Int("pad_token_id", int.MinValue, vocab - 1) is int p && p >= 0 ? p : null;

    private static RopeScaling? ParseRopeScaling(JsonFields config)
    {
        var o = config.Obj("rope_scaling");
        if (o is null) return null;
        var r = config.Sub(o, "rope_scaling");
        string type = r.Str("rope_type") ?? r.Str("type") ?? "default";
        switch (type)
        {
            case "default":
                return null;
            case "linear":
                return new RopeScaling("linear", r.Double("factor", 0, minExclusive: true) ?? throw r.Missing("factor", "a number > 0"));
            case "llama3":
            {
                double factor = r.Double("factor", 0, minExclusive: true) ?? 8;
                double low = r.Double("low_freq_factor", 0, minExclusive: true) ?? 1;
                double high = r.Double("high_freq_factor", 0, minExclusive: true) ?? 4;
                if (high <= low) throw r.Error("high_freq_factor", $"a number > low_freq_factor ({low})");
                return new RopeScaling("llama3", factor, low, high, r.Int("original_max_position_embeddings", 1) ?? 8192);
            }
            default:
                throw new SharpTuneException($"{config.File}: rope_scaling type '{JsonInput.Clip(type)}' is not supported (expected linear or llama3)");
        }
    }

    /// <summary>The config as JSON to write next to saved weights (the original fields, unchanged).</summary>
    public string ToJson() => Raw.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
