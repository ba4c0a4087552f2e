using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Adapters;

/// <summary>
/// PEFT's <c>adapter_config.json</c> for the methods SharpTune implements (LORA, PROMPT_TUNING, P_TUNING,
/// PREFIX_TUNING), with PEFT's field names and defaults. Written so that PEFT's from_pretrained reads it.
/// </summary>
public sealed record PeftConfig
{
    public required string PeftType { get; init; }
    public string TaskType { get; init; } = "CAUSAL_LM";
    public string? BaseModelNameOrPath { get; init; }

    // LoRA
    public int R { get; init; } = 8;
    public double LoraAlpha { get; init; } = 8;
    public double LoraDropout { get; init; }
    /// <summary>A list of module names, a regex (PEFT's string form), or "all-linear".</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [];
    public string? TargetModulesRegex { get; init; }
    public bool UseRslora { get; init; }
    public bool UseDora { get; init; }
    public bool FanInFanOut { get; init; }

    // Prompt learning
    public int NumVirtualTokens { get; init; } = 20;
    public int TokenDim { get; init; }
    public int NumLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public string PromptTuningInit { get; init; } = "RANDOM";
    public string? PromptTuningInitText { get; init; }
    public string? TokenizerNameOrPath { get; init; }
    public string EncoderReparameterizationType { get; init; } = "MLP";
    public int EncoderHiddenSize { get; init; }
    public int EncoderNumLayers { get; init; } = 2;
    public double EncoderDropout { get; init; }
    public bool PrefixProjection { get; init; }

    public const string FileName = "adapter_config.json";

    public double Scaling => UseRslora ? LoraAlpha / Math.Sqrt(R) : LoraAlpha / R;

    public static PeftConfig Load(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found (a PEFT adapter folder needs adapter_config.json)");
        JsonObject o;
        try { o = JsonNode.Parse(File.ReadAllText(path))!.AsObject(); }
        catch (JsonException e) { throw new SharpTuneException($"{path}: invalid JSON ({e.Message})"); }
        string Str(string k, string def) => o[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : def;
        string? StrOrNull(string k) => o[k] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        int Int(string k, int def) => o[k] is JsonValue v && v.TryGetValue<double>(out var d) ? (int)d : def;
        double Dbl(string k, double def) => o[k] is JsonValue v && v.TryGetValue<double>(out var d) ? d : def;
        bool Bool(string k) => o[k] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        var type = StrOrNull("peft_type") ?? throw new SharpTuneException($"{path}: field 'peft_type' is missing");
        if (type is not ("LORA" or "PROMPT_TUNING" or "P_TUNING" or "PREFIX_TUNING"))
            throw new SharpTuneException($"{path}: peft_type '{type}' is not supported (expected LORA, PROMPT_TUNING, P_TUNING or PREFIX_TUNING)");
        if (type == "LORA")
        {
            if (Str("bias", "none") != "none") throw new SharpTuneException($"{path}: bias '{Str("bias", "none")}' is not supported (only \"none\")");
            if (o["modules_to_save"] is JsonArray { Count: > 0 }) throw new SharpTuneException($"{path}: modules_to_save is not supported");
            if (o["rank_pattern"] is JsonObject { Count: > 0 } || o["alpha_pattern"] is JsonObject { Count: > 0 })
                throw new SharpTuneException($"{path}: rank_pattern/alpha_pattern are not supported");
        }
        return new PeftConfig
        {
            PeftType = type,
            TaskType = Str("task_type", "CAUSAL_LM"),
            BaseModelNameOrPath = StrOrNull("base_model_name_or_path"),
            R = Int("r", 8),
            LoraAlpha = Dbl("lora_alpha", 8),
            LoraDropout = Dbl("lora_dropout", 0),
            TargetModules = o["target_modules"] is JsonArray a ? a.Select(n => n!.GetValue<string>()).ToArray() : [],
            TargetModulesRegex = o["target_modules"] is JsonValue tv && tv.TryGetValue<string>(out var ts) ? ts : null,
            UseRslora = Bool("use_rslora"),
            UseDora = Bool("use_dora"),
            FanInFanOut = Bool("fan_in_fan_out"),
            NumVirtualTokens = Int("num_virtual_tokens", 20),
            TokenDim = Int("token_dim", 0),
            NumLayers = Int("num_layers", 0),
            NumAttentionHeads = Int("num_attention_heads", 0),
            PromptTuningInit = Str("prompt_tuning_init", "RANDOM"),
            PromptTuningInitText = StrOrNull("prompt_tuning_init_text"),
            TokenizerNameOrPath = StrOrNull("tokenizer_name_or_path"),
            EncoderReparameterizationType = Str("encoder_reparameterization_type", "MLP"),
            EncoderHiddenSize = Int("encoder_hidden_size", 0),
            EncoderNumLayers = Int("encoder_num_layers", 2),
            EncoderDropout = Dbl("encoder_dropout", 0),
            PrefixProjection = Bool("prefix_projection"),
        };
    }

    public void Save(string dir)
    {
        var o = new JsonObject
        {
            ["peft_type"] = PeftType,
            ["task_type"] = TaskType,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["inference_mode"] = true,
            ["revision"] = null,
            ["auto_mapping"] = null,
        };
        if (PeftType == "LORA")
        {
            o["r"] = R;
            o["lora_alpha"] = LoraAlpha;
            o["lora_dropout"] = LoraDropout;
            o["target_modules"] = TargetModulesRegex is not null ? JsonValue.Create(TargetModulesRegex) : new JsonArray(TargetModules.Select(t => (JsonNode)t).ToArray());
            o["use_rslora"] = UseRslora;
            o["use_dora"] = UseDora;
            o["fan_in_fan_out"] = FanInFanOut;
            o["bias"] = "none";
            o["init_lora_weights"] = true;
            o["modules_to_save"] = null;
            o["layers_to_transform"] = null;
            o["layers_pattern"] = null;
            o["rank_pattern"] = new JsonObject();
            o["alpha_pattern"] = new JsonObject();
            // The rest of PEFT 0.12's LoraConfig fields at their defaults: PEFT writes every field, and tools that read
            // adapter_config.json without PEFT's defaults expect them.
            o["megatron_config"] = null;
            o["megatron_core"] = "megatron.core";
            o["loftq_config"] = new JsonObject();
            o["layer_replication"] = null;
        }
        else
        {
            o["num_virtual_tokens"] = NumVirtualTokens;
            o["token_dim"] = TokenDim;
            o["num_transformer_submodules"] = 1;
            o["num_attention_heads"] = NumAttentionHeads;
            o["num_layers"] = NumLayers;
            if (PeftType == "PROMPT_TUNING")
            {
                o["prompt_tuning_init"] = PromptTuningInit;
                o["prompt_tuning_init_text"] = PromptTuningInitText;
                o["tokenizer_name_or_path"] = TokenizerNameOrPath;
                o["tokenizer_kwargs"] = null;
            }
            if (PeftType == "P_TUNING")
            {
                o["encoder_reparameterization_type"] = EncoderReparameterizationType;
                o["encoder_hidden_size"] = EncoderHiddenSize;
                o["encoder_num_layers"] = EncoderNumLayers;
                o["encoder_dropout"] = EncoderDropout;
            }
            if (PeftType == "PREFIX_TUNING")
            {
                o["encoder_hidden_size"] = EncoderHiddenSize;
                o["prefix_projection"] = PrefixProjection;
            }
        }
        AtomicFile.WriteAllText(Path.Combine(dir, FileName), o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
