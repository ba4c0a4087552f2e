using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>
/// A PEFT LoRA adapter as a llama.cpp LoRA adapter file (what `llama-cli --lora` and LLamaSharp's
/// LoadLoraFromFile read): general.type "adapter", adapter.type "lora", adapter.lora.alpha, and for each adapted
/// matrix the base tensor's GGUF name + ".lora_a" (A, [r, in]) and ".lora_b" (B, [out, r]). llama.cpp adds
/// scale·alpha/r·B·A·x with r read from A, so alpha here is the adapter's scaling × r (rsLoRA's alpha/√r included).
/// B's rows of Llama's q/k get the same rope reordering as the base weights; A acts on the input and is unchanged.
/// </summary>
public static class GgufLoraExporter
{
    private static readonly Dictionary<string, string> Projections = new()
    {
        ["self_attn.q_proj"] = "attn_q", ["self_attn.k_proj"] = "attn_k", ["self_attn.v_proj"] = "attn_v",
        ["self_attn.o_proj"] = "attn_output", ["mlp.gate_proj"] = "ffn_gate", ["mlp.up_proj"] = "ffn_up", ["mlp.down_proj"] = "ffn_down",
    };

    public static void Export(LoraModel lora, string adapterDir, string outPath, GgufTensorType type, string name)
    {
        if (type == GgufTensorType.Q8_0) throw new SharpTuneException($"--type q8_0: LoRA adapter files are written as f32 or f16 (their rank-wide rows do not fill Q8_0 blocks)");
        if (lora.Settings.UseDora) throw new SharpTuneException($"{adapterDir}: DoRA adapters have no llama.cpp adapter format; export the merged model instead (drop --lora)");
        var c = lora.Base.Config;
        var arch = GgufExporter.ArchitectureOf(c, adapterDir);
        var scalings = lora.Layers.Select(l => l.Lora.Scaling * l.Lora.A.shape[0]).Distinct().ToArray();
        if (scalings.Length != 1) throw new SharpTuneException($"{adapterDir}/adapter_config.json: per-module rank or alpha patterns have no single llama.cpp alpha; use one rank and alpha");
        bool permute = c.ModelType == "llama";
        var tensors = new List<GgufTensor>();
        foreach (var (module, layer) in lora.Layers)
        {
            var gguf = GgufName(module, adapterDir);
            tensors.Add(Tensor($"{gguf}.lora_a", layer.A, type, null));
            Func<Tensor, Tensor>? rope = permute && gguf.EndsWith(".attn_q.weight") ? b => GgufExporter.RopePermute(b, c.NumHeads)
                : permute && gguf.EndsWith(".attn_k.weight") ? b => GgufExporter.RopePermute(b, c.NumKvHeads) : null;
            tensors.Add(Tensor($"{gguf}.lora_b", layer.B, type, rope));
        }
        var metadata = new List<GgufMetadata>
        {
            GgufMetadata.Str("general.architecture", arch),
            GgufMetadata.Str("general.type", "adapter"),
            GgufMetadata.Str("general.name", name),
            GgufMetadata.Str("adapter.type", "lora"),
            GgufMetadata.F32("adapter.lora.alpha", (float)scalings[0]),
        };
        GgufWriter.Write(outPath, metadata, tensors);
    }

    /// <summary>"model.layers.3.self_attn.q_proj" → "blk.3.attn_q.weight".</summary>
    private static string GgufName(string module, string adapterDir)
    {
        var parts = module.Split('.');
        if (parts.Length == 5 && parts[0] == "model" && parts[1] == "layers" && int.TryParse(parts[2], out var i)
            && Projections.TryGetValue($"{parts[3]}.{parts[4]}", out var g))
            return $"blk.{i}.{g}.weight";
        throw new SharpTuneException($"{adapterDir}/adapter_config.json: target module {module} has no llama.cpp LoRA tensor (only the seven attention/MLP projections)");
    }

    private static GgufTensor Tensor(string name, Tensor p, GgufTensorType type, Func<Tensor, Tensor>? transform) =>
        // Rank-wide rows (r values) are too short for anything but plain floats; f16 halves the file as for the base.
        new(name, p.shape, type, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = p.detach().to(CPU).to_type(ScalarType.Float32);
            if (transform is not null) x = transform(x);
            return x.contiguous().data<float>().ToArray();
        });
}
