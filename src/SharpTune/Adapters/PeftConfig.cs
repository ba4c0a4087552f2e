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
        var r = new JsonFields(JsonInput.LoadObject(path, "a PEFT adapter folder needs adapter_config.json"), path);
        var type = r.Str("peft_type") ?? throw r.Missing("peft_type", "LORA, PROMPT_TUNING, P_TUNING or PREFIX_TUNING");
        if (type is not ("LORA" or "PROMPT_TUNING" or "P_TUNING" or "PREFIX_TUNING"))
            throw new SharpTuneException($"{path}: peft_type '{JsonInput.Clip(type)}' is not supported (expected LORA, PROMPT_TUNING, P_TUNING or PREFIX_TUNING)");
        if (type == "LORA")
        {
            if ((r.Str("bias") ?? "none") != "none") throw new SharpTuneException($"{path}: bias '{JsonInput.Clip(r.Str("bias")!)}' is not supported (only \"none\")");
            if (r.Arr("modules_to_save") is { Count: > 0 }) throw new SharpTuneException($"{path}: modules_to_save is not supported");
            if (r.Obj("rank_pattern") is { Count: > 0 } || r.Obj("alpha_pattern") is { Count: > 0 })
                throw new SharpTuneException($"{path}: rank_pattern/alpha_pattern are not supported");
        }
        var (targets, regex) = TargetModulesOf(r);
        var encoder = r.Str("encoder_reparameterization_type") ?? "MLP";
        if (encoder is not ("MLP" or "LSTM")) throw r.Error("encoder_reparameterization_type", "\"MLP\" or \"LSTM\"");
        var init = r.Str("prompt_tuning_init") ?? "RANDOM";
        if (init is not ("RANDOM" or "TEXT")) throw r.Error("prompt_tuning_init", "\"RANDOM\" or \"TEXT\"");
        const int big = 1 << 20; // far beyond any rank, token count or width an adapter has
        return new PeftConfig
        {
            PeftType = type,
            TaskType = r.Str("task_type") ?? "CAUSAL_LM",
            BaseModelNameOrPath = r.Str("base_model_name_or_path"),
            R = r.Int("r", 1, big) ?? 8,
            LoraAlpha = r.Double("lora_alpha", 0, minExclusive: true) ?? 8,
            LoraDropout = r.Double("lora_dropout", 0, 0.999999) ?? 0,
            TargetModules = targets,
            TargetModulesRegex = regex,
            UseRslora = r.Bool("use_rslora") ?? false,
            UseDora = r.Bool("use_dora") ?? false,
            FanInFanOut = r.Bool("fan_in_fan_out") ?? false,
            NumVirtualTokens = r.Int("num_virtual_tokens", 1, big) ?? 20,
            TokenDim = r.Int("token_dim", 0, big) ?? 0,
            NumLayers = r.Int("num_layers", 0, big) ?? 0,
            NumAttentionHeads = r.Int("num_attention_heads", 0, big) ?? 0,
            PromptTuningInit = init,
            PromptTuningInitText = r.Str("prompt_tuning_init_text"),
            TokenizerNameOrPath = r.Str("tokenizer_name_or_path"),
            EncoderReparameterizationType = encoder,
            EncoderHiddenSize = r.Int("encoder_hidden_size", 0, big) ?? 0,
            // PEFT 0.12 builds its LSTM encoder with encoder_num_layers layers (the MLP ignores it); SharpTune's LSTM has
            // exactly 2, so another count would load into the wrong shape silently: refuse it.
            EncoderNumLayers = r.Int("encoder_num_layers", 1, big) is int layers && layers != 2 && encoder == "LSTM"
                ? throw r.Error("encoder_num_layers", "2 for an LSTM prompt encoder (the only depth SharpTune builds)")
                : r.Int("encoder_num_layers", 1, big) ?? 2,
            EncoderDropout = r.Double("encoder_dropout", 0, 0.999999) ?? 0,
            PrefixProjection = r.Bool("prefix_projection") ?? false,
        };
    }

    // PEFT's target_modules: a list of names, or one string (a regex, or "all-linear").
    private static (string[] List, string? Regex) TargetModulesOf(JsonFields r)
    {
        if (r.Object["target_modules"] is not System.Text.Json.Nodes.JsonArray a)
        {
            var regex = r.Str("target_modules");
            if (regex is not null && regex != "all-linear")
            {
                try { _ = new System.Text.RegularExpressions.Regex(regex); }
                catch (ArgumentException e) { throw r.Error("target_modules", $"a list of module names or a valid regex ({JsonInput.OneLine(e.Message)})"); }
            }
            return ([], regex);
        }
        var names = new string[a.Count];
        for (int i = 0; i < a.Count; i++)
            names[i] = a[i] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
                : throw new SharpTuneException($"{r.File}: field 'target_modules[{i}]' must be a module name, got {JsonInput.Show(a[i])}");
        return (names, null);
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
