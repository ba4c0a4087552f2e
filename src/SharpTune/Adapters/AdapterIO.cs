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

    /// <param name="adapterName">A LoRA's name in its layers (<see cref="Models.LinearLayer.Adapters"/>).</param>
    /// <param name="active">A LoRA applied to every row; <see cref="AdapterRegistry"/> loads them inactive (routed per row).</param>
    public static AdaptedModel Load(string dir, CausalLM baseModel, string adapterName = "default", bool active = true)
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
                var m = new LoraModel(baseModel, config, adapterName: adapterName, active: active);
                // A file that fails to load must not leave a half-loaded adapter attached to the base.
                try { m.LoadWeights(weights); }
                catch { m.Dispose(); throw; }
                return m;
            }
            case "PROMPT_TUNING":
            case "P_TUNING":
            {
                var values = weights.LoadFloat("prompt_embeddings").to(baseModel.DType, baseModel.Device);
                if (config.PeftType == "P_TUNING" && File.Exists(Path.Combine(dir, EncoderFile)))
                {
                    // Every encoder holds at least one hidden×hidden matrix (the MLP's middle layer, the LSTM's 4h×h).
                    long h = config.EncoderHiddenSize > 0 ? config.EncoderHiddenSize : baseModel.Config.HiddenSize;
                    return WithEncoder(dir, h * h, () => new PromptTuningModel(baseModel, config), m => ((PromptTuningModel)m).PromptEmbeddings(), values);
                }
                return PromptTuningModel.FromEmbeddings(baseModel, config, values);
            }
            default:
            {
                var values = weights.LoadFloat("prompt_embeddings").to(baseModel.DType, baseModel.Device);
                if (config.PrefixProjection && File.Exists(Path.Combine(dir, EncoderFile)))
                {
                    var c = baseModel.Config;
                    long h = config.EncoderHiddenSize > 0 ? config.EncoderHiddenSize : c.HiddenSize;
                    // The projection's second layer is hidden × (layers·2·head_dim·kv_heads).
                    return WithEncoder(dir, h * c.NumLayers * 2L * c.HeadDim * c.NumKvHeads, () => new PrefixTuningModel(baseModel, config), m => ((PrefixTuningModel)m).PrefixValues(), values);
                }
                return PrefixTuningModel.FromValues(baseModel, config, values);
            }
        }
    }

    /// <summary>
    /// A folder SharpTune wrote with <see cref="EncoderFile"/> beside PEFT's values: the adapter is rebuilt with its
    /// encoder (P-tuning's prompt encoder, prefix tuning's projection), so training continues through it rather
    /// than on its frozen output. The stored tensors are copied in by PEFT's names, and the encoder's output must
    /// reproduce the saved values (an encoder file from another run is refused, not silently used).
    /// </summary>
    /// <param name="leastStored">Values the config's encoder needs at least: checked before it is allocated, so a
    /// mistyped encoder_hidden_size is one line, not a huge allocation.</param>
    private static AdaptedModel WithEncoder(string dir, long leastStored, Func<AdaptedModel> build, Func<AdaptedModel, Tensor> compute, Tensor saved)
    {
        var path = Path.Combine(dir, EncoderFile);
        var file = SafeTensorsFile.Open(path);
        long stored = file.Tensors.Values.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
        if (stored < leastStored)
            throw new SharpTuneException($"{path}: holds {stored} values, fewer than the encoder {PeftConfig.FileName} describes (at least {leastStored}; check encoder_hidden_size)");
        var m = build();
        try
        {
            var names = m.Trainable.Select(t => t.Name).ToHashSet();
            if (file.Tensors.Keys.FirstOrDefault(k => !names.Contains(k)) is { } extra)
                throw new SharpTuneException($"{path}: unexpected tensor '{JsonInput.Clip(extra)}' (expected the {m.Method} encoder of {PeftConfig.FileName})");
            using (no_grad())
                foreach (var (name, p) in m.Trainable)
                {
                    if (!file.Tensors.TryGetValue(name, out var info)) throw new SharpTuneException($"{path}: tensor '{name}' is missing");
                    if (!info.Shape.SequenceEqual(p.shape))
                        throw new SharpTuneException($"{path}: '{name}' has shape [{string.Join(",", info.Shape)}], expected [{string.Join(",", p.shape)}] from {PeftConfig.FileName}");
                    p.copy_(file.LoadFloat(name).to(p.dtype, p.device));
                }
            // In evaluation mode (no encoder dropout), as the values were computed when saved.
            bool wasTraining = m.Base.training;
            m.SetTraining(false);
            double diff, scale;
            using (no_grad())
            {
                var values = compute(m);
                if (!values.shape.SequenceEqual(saved.shape))
                    throw new SharpTuneException($"{path}: the encoder computes values of shape [{string.Join(",", values.shape)}] but prompt_embeddings in {WeightsFile} is [{string.Join(",", saved.shape)}]");
                diff = (values - saved).abs().max().item<float>();
                scale = saved.abs().max().item<float>();
            }
            m.SetTraining(wasTraining);
            if (!(diff <= 1e-4 * Math.Max(1, scale)))
                throw new SharpTuneException($"{path}: the encoder computes values that differ from prompt_embeddings in {WeightsFile} by up to {diff:G3} (files from different runs?)");
            return m;
        }
        catch
        {
            m.Dispose();
            throw;
        }
    }
}
