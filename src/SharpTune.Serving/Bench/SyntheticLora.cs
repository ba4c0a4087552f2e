using SharpTune.Adapters;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Serving.Bench;

/// <summary>
/// A LoRA adapter with seeded random A and B (PEFT starts B at zero, a no-op): for benchmarks and tests that need
/// adapters which change the output, at the cost and shape of a trained one, without training.
/// </summary>
public static class SyntheticLora
{
    public static void Write(string baseDir, string outDir, long seed, int rank = 8, double bStd = 0.2)
    {
        using var model = ModelIO.Load(baseDir);
        var config = new PeftConfig
        {
            PeftType = "LORA", R = rank, LoraAlpha = 2 * rank, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"],
            BaseModelNameOrPath = Path.GetFullPath(baseDir),
        };
        using var lora = new LoraModel(model, config, seed);
        var rng = new Generator((ulong)seed + 1, CPU);
        using (no_grad())
            foreach (var (_, layer) in lora.Layers) layer.B.normal_(0, bStd, rng);
        lora.Save(outDir);
    }
}
