using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Cli.Commands.Compare;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// bench/pytorch/reference.py (plain PyTorch, what `bench compare` races against) does SharpTune's math: on the
/// golden tiny checkpoints it gives the same logits, loss and greedy tokens, with and without a LoRA adapter, and
/// one LoRA training step (forward, backward, clip, AdamW) leaves the same weights. Needs Debian's python3-torch
/// (.ci/run installs it); skipped with the apt command when it is missing.
/// </summary>
public class PyTorchReferenceTests
{
    private static readonly Lazy<string?> Missing = new(() => PyTorchReference.Unavailable());

    private static PyTorchReference Reference()
    {
        Skip.If(Missing.Value is not null, $"the PyTorch reference cannot run here: {Missing.Value}");
        return PyTorchReference.Open(PyTorchReference.DefaultPython);
    }

    private static string IdsJson(Tensor ids) =>
        JsonSerializer.Serialize(Enumerable.Range(0, (int)ids.shape[0]).Select(r => ids[r].data<long>().ToArray()).ToArray());

    [SkippableTheory]
    [InlineData("llama-tiny", null)]
    [InlineData("qwen2-tiny", null)]
    [InlineData("llama-tiny", "lora-r8")]
    [InlineData("llama-tiny", "rslora-r4")]
    public void SameLogitsLossAndGreedyTokensAsSharpTune(string model, string? adapter)
    {
        var reference = Reference();
        using var scope = NewDisposeScope();
        var ids = SafeTensorsFile.Open(Shared.Golden(model, "golden.safetensors")).Load("input_ids");
        var outFile = Path.Combine(Shared.TempDir(), "logits.f32");
        var args = new List<string> { "logits", "--model", Shared.Golden(model), "--ids", IdsJson(ids), "--out", outFile, "--greedy", "8" };
        if (adapter is not null) args.AddRange(["--adapter", Shared.Golden("peft", adapter)]);
        var result = reference.Run(2, args);

        var baseModel = ModelIO.Load(Shared.Golden(model));
        using var adapted = adapter is null ? null : AdapterIO.Load(Shared.Golden("peft", adapter), baseModel);
        ILanguageModel lm = adapted is null ? baseModel : adapted;
        using var _ = no_grad();
        var ours = adapted?.Forward(ids) ?? baseModel.Forward(ids);
        var bytes = File.ReadAllBytes(outFile);
        var floats = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, floats, 0, bytes.Length);
        var theirs = tensor(floats).reshape(result.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
        Assert.Equal(ours.shape, theirs.shape);
        double maxDiff = (ours - theirs).abs().max().item<float>();
        Assert.True(maxDiff < 1e-5, $"{model}{(adapter is null ? "" : " + " + adapter)}: max |Δlogit| {maxDiff} between SharpTune and the PyTorch reference");
        double loss = CausalLmLoss.Compute(ours, ids).item<float>();
        Assert.True(Math.Abs(loss - result.GetProperty("loss").GetDouble()) < 1e-5, $"loss {loss} vs {result.GetProperty("loss").GetDouble()}");

        var gen = new TextGenerator(lm);
        var greedy = result.GetProperty("greedy_ids").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray();
        for (int row = 0; row < ids.shape[0]; row++)
        {
            var prompt = ids[row].data<long>().Select(x => (int)x).ToArray();
            var tokens = gen.Generate([prompt], new GenerationOptions { MaxNewTokens = 8, EosTokenIds = [] })[0].Tokens;
            Assert.Equal(greedy[row], tokens);
        }
    }

    [SkippableFact]
    public void OneLoraTrainingStepLeavesTheSameWeights()
    {
        var reference = Reference();
        using var scope = NewDisposeScope();
        var ids = SafeTensorsFile.Open(Shared.Golden("llama-tiny", "golden.safetensors")).Load("input_ids");
        var outFile = Path.Combine(Shared.TempDir(), "after.safetensors");
        // lora-r8's B is not zero, so both A and B get gradients; lr 1e-2 and clip 0.5 make the step visible and clipped.
        var result = reference.Run(2, ["step", "--model", Shared.Golden("llama-tiny"), "--adapter", Shared.Golden("peft", "lora-r8"),
            "--ids", IdsJson(ids), "--lr", "1e-2", "--clip", "0.5", "--out", outFile]);
        Assert.True(result.GetProperty("grad_norm").GetDouble() > 0.5, "the step should be clipped");

        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        var lora = (LoraModel)AdapterIO.Load(Shared.Golden("peft", "lora-r8"), baseModel);
        lora.SetTraining(true);
        var before = lora.Trainable.ToDictionary(t => LoraModel.FileKey(t.Name), t => t.P.detach().clone());
        using var opt = new AdamW(lora.Trainable, new AdamW.Options(LearningRate: 1e-2, WeightDecay: 0.01));
        opt.ZeroGrad();
        var loss = lora.Loss(new TrainBatch(ids, ids, null));
        loss.backward();
        double norm = opt.ClipGradNorm(0.5);
        opt.StepOnce();
        Assert.True(Math.Abs(loss.item<float>() - result.GetProperty("loss").GetDouble()) < 1e-5);
        Assert.True(Math.Abs(norm - result.GetProperty("grad_norm").GetDouble()) < 1e-4 * norm, $"grad norm {norm} vs {result.GetProperty("grad_norm").GetDouble()}");
        var after = SafeTensorsFile.Open(outFile);
        Assert.Equal(after.Tensors.Keys.OrderBy(k => k), lora.Trainable.Select(t => LoraModel.FileKey(t.Name)).OrderBy(k => k));
        foreach (var (name, p) in lora.Trainable)
        {
            var key = LoraModel.FileKey(name);
            var expected = after.Load(key);
            var moved = (expected - before[key]).norm().item<float>();
            var off = (p.detach() - expected).norm().item<float>();
            Assert.True(moved > 0, $"{key}: the reference did not move it");
            Assert.True(off < 1e-3 * moved, $"{key}: after one step SharpTune is {off} from the reference (the step moved it {moved})");
        }
    }
}
