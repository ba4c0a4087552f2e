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

    public static AdaptedModel Load(string dir, CausalLM baseModel)
    {
        var config = PeftConfig.Load(dir);
        var weightsPath = Path.Combine(dir, WeightsFile);
        if (!File.Exists(weightsPath)) throw new SharpTuneException($"{weightsPath}: file not found");
        var weights = SafeTensorsFile.Open(weightsPath);
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
