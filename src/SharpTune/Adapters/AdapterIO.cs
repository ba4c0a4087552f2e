using SharpTune.IO;
using SharpTune.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>Reads PEFT adapter folders (adapter_config.json + adapter_model.safetensors) onto a base model.</summary>
public static class AdapterIO
{
    public const string WeightsFile = "adapter_model.safetensors";
    /// <summary>SharpTune's extra: the P-tuning/prefix encoder, so a run can continue training (PEFT ignores it).</summary>
    public const string EncoderFile = "prompt_encoder.safetensors";

    /// <summary>
    /// Writes a prompt-learning adapter as PEFT does: only the final virtual-token values as prompt_embeddings;
    /// any encoder goes beside them in <see cref="EncoderFile"/> so training can continue.
    /// </summary>
    public static void SavePromptLearning(string dir, Func<Tensor> values, IReadOnlyList<(string Name, Parameter P)>? encoder, PeftConfig settings)
    {
        Directory.CreateDirectory(dir);
        using (no_grad())
            SafeTensorsFile.Save(Path.Combine(dir, WeightsFile), [KeyValuePair.Create("prompt_embeddings", values().detach())],
                new Dictionary<string, string> { ["format"] = "pt" });
        if (encoder is not null)
            SafeTensorsFile.Save(Path.Combine(dir, EncoderFile), encoder.Select(t => KeyValuePair.Create(t.Name, (Tensor)t.P)));
        settings.Save(dir);
    }

    public static bool IsAdapterFolder(string dir) => File.Exists(Path.Combine(dir, PeftConfig.FileName));

    /// <summary>
    /// The config's sizes against the stored tensors, before the adapter allocates anything from them: a
    /// mistyped r or num_virtual_tokens is then one line naming the field, not a large allocation first.
    /// </summary>
    private static void CheckAgainstWeights(PeftConfig config, SafeTensorsFile weights, string configPath)
    {
        if (config.PeftType == "LORA")
        {
            var loraA = weights.Tensors.Values.Where(t => t.Name.EndsWith(".lora_A.weight", StringComparison.Ordinal)).ToList();
            if (loraA.Count == 0) throw new SharpTuneException($"{weights.Path}: no lora_A tensors (is this a LoRA adapter?)");
            foreach (var t in loraA)
                if (t.Shape.Length != 2 || t.Shape[0] != config.R)
                    throw new SharpTuneException($"{configPath}: r is {config.R} but {weights.Path} stores '{JsonInput.Clip(t.Name)}' with shape [{string.Join(",", t.Shape)}] (rank first)");
            return;
        }
        var info = weights.Tensors.TryGetValue("prompt_embeddings", out var e) ? e : throw new SharpTuneException($"{weights.Path}: tensor 'prompt_embeddings' is missing");
        if (info.Shape.Length != 2 || info.Shape[0] != config.NumVirtualTokens)
            throw new SharpTuneException($"{configPath}: num_virtual_tokens is {config.NumVirtualTokens} but prompt_embeddings has shape [{string.Join(",", info.Shape)}]");
    }

    public static AdaptedModel Load(string dir, CausalLM baseModel)
    {
        var config = PeftConfig.Load(dir);
        var weightsPath = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weightsPath)) throw new SharpTuneException($"{weightsPath}: file not found");
        var weights = SafeTensorsFile.Open(weightsPath);
        CheckAgainstWeights(config, weights, Path.Combine(dir, PeftConfig.FileName));
        switch (config.PeftType)
        {
            case "LORA":
            {
                var m = new LoraModel(baseModel, config);
                m.LoadWeights(weights);
                return m;
            }
            case "PROMPT_TUNING":
            case "P_TUNING":
                return PromptTuningModel.FromEmbeddings(baseModel, config, weights.LoadFloat("prompt_embeddings").to(baseModel.DType, baseModel.Device));
            default:
                return PrefixTuningModel.FromValues(baseModel, config, weights.LoadFloat("prompt_embeddings").to(baseModel.DType, baseModel.Device));
        }
    }
}
