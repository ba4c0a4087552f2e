using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>Our models against Hugging Face transformers' outputs on the same checkpoints.</summary>
public class GoldenModelTests
{
    public static TheoryData<string> Models => new() { "llama-tiny", "qwen2-tiny", "gpt2-tiny" };

    [Theory, MemberData(nameof(Models))]
    public void LogitsAndLossMatchTransformers(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden(name));
        var golden = SafeTensorsFile.Open(Shared.Golden(name, "golden.safetensors"));
        var ids = golden.Load("input_ids");
        using var _ = no_grad();
        var logits = model.Forward(ids);
        var expected = golden.Load("logits");
        Assert.Equal(expected.shape, logits.shape);
        double maxDiff = (logits - expected).abs().max().item<float>();
        Assert.True(maxDiff < 1e-4, $"{name}: max |Δlogit| = {maxDiff}");
        double loss = CausalLmLoss.Compute(logits, ids).item<float>();
        double expectedLoss = golden.Load("loss").item<float>();
        Assert.True(Math.Abs(loss - expectedLoss) < 1e-5, $"{name}: loss {loss} vs {expectedLoss}");
    }

    [Theory, MemberData(nameof(Models))]
    public void EveryGradientMatchesTransformers(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden(name));
        var golden = SafeTensorsFile.Open(Shared.Golden(name, "golden.safetensors"));
        var grads = SafeTensorsFile.Open(Shared.Golden(name, "golden_grads.safetensors"));
        var ids = golden.Load("input_ids");
        CausalLmLoss.Compute(model.Forward(ids), ids).backward();
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Equal(grads.Tensors.Keys.OrderBy(k => k), names.OrderBy(k => k));
        foreach (var (pname, p) in model.named_parameters())
        {
            var expected = grads.Load(pname);
            var rel = ((p.grad! - expected).norm() / expected.norm().clamp_min(1e-12)).item<float>();
            Assert.True(rel < 1e-4, $"{name}: gradient of {pname} off by {rel} relative norm");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void SaveRoundTripIsBitExact(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden(name));
        var dir = Shared.TempDir();
        ModelIO.Save(model, dir);
        var original = SafeTensorsFile.Open(Shared.Golden(name, "model.safetensors"));
        var saved = SafeTensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        Assert.Equal(original.Tensors.Keys.OrderBy(k => k), saved.Tensors.Keys.OrderBy(k => k));
        foreach (var key in original.Tensors.Keys)
        {
            Assert.Equal(original.Tensors[key].DType, saved.Tensors[key].DType);
            Assert.Equal(original.Tensors[key].Shape, saved.Tensors[key].Shape);
            Assert.Equal(original.ReadBytes(key), saved.ReadBytes(key));
        }
        Assert.Equal(ModelConfig.Load(Shared.Golden(name, "config.json")).ToJson().Replace("\r", ""),
                     ModelConfig.Load(Path.Combine(dir, "config.json")).ToJson().Replace("\r", ""));
    }
}
