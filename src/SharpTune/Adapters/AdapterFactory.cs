using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Adapters;

/// <summary>Builds a fresh (untrained) adapted model for a method.</summary>
public static class AdapterFactory
{
    public static AdaptedModel Create(CausalLM baseModel, MethodOptions m, Tokenizer? tokenizer, long seed, string? baseName = null)
    {
        switch (m.Method)
        {
            case "lora":
            {
                var targets = m.Targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                return new LoraModel(baseModel, new PeftConfig
                {
                    PeftType = "LORA", BaseModelNameOrPath = baseName, R = m.Rank, LoraAlpha = m.Alpha, LoraDropout = m.Dropout,
                    TargetModules = targets, UseRslora = m.Rslora, UseDora = m.Dora, FanInFanOut = baseModel.Config.Architecture == Architecture.Gpt2,
                }, seed);
            }
            case "prompt-tuning":
            case "p-tuning":
                if (m.Encoder is not ("mlp" or "lstm")) throw new SharpTuneException($"--encoder {m.Encoder}: expected mlp or lstm");
                return new PromptTuningModel(baseModel, new PeftConfig
                {
                    PeftType = m.Method == "p-tuning" ? "P_TUNING" : "PROMPT_TUNING", BaseModelNameOrPath = baseName, NumVirtualTokens = m.VirtualTokens,
                    PromptTuningInit = m.InitText is null ? "RANDOM" : "TEXT", PromptTuningInitText = m.InitText,
                    EncoderReparameterizationType = m.Encoder.ToUpperInvariant(), EncoderHiddenSize = m.EncoderHidden,
                }, seed, tokenizer);
            case "prefix-tuning":
                return new PrefixTuningModel(baseModel, new PeftConfig
                {
                    PeftType = "PREFIX_TUNING", BaseModelNameOrPath = baseName, NumVirtualTokens = m.VirtualTokens,
                    PrefixProjection = m.PrefixProjection, EncoderHiddenSize = m.EncoderHidden,
                }, seed);
            case "unfreeze":
                return new FineTuneModel(baseModel, new UnfreezeSpec(m.LastLayers, m.Layers, m.Unfreeze, m.Embeddings));
            case "full":
                return new FineTuneModel(baseModel);
            default:
                throw new SharpTuneException($"--method {m.Method}: expected one of {string.Join(", ", MethodOptions.Names)}");
        }
    }
}
