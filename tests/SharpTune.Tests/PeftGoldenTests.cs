using SharpTune.Adapters;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>Adapters against PEFT 0.12's own files and outputs on llama-tiny.</summary>
public class PeftGoldenTests
{
    public static TheoryData<string> Methods => new() { "lora-r8", "rslora-r4", "prompt-tuning", "p-tuning", "prefix-tuning" };

    private static double MaxDiff(Tensor a, Tensor b) => (a.to_type(ScalarType.Float32) - b).abs().max().item<float>();

    [Theory, MemberData(nameof(Methods))]
    public void LoadedAdaptersReproducePeftLogitsAndLoss(string method)
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        using var adapted = AdapterIO.Load(Shared.Golden("peft", method), baseModel);
        var golden = SafeTensorsFile.Open(Shared.Golden("peft", method, "golden.safetensors"));
        var ids = golden.Load("input_ids");
        using var _ = no_grad();
        var logits = adapted.Forward(ids);
        Assert.True(MaxDiff(logits, golden.Load("logits")) < 1e-4, $"{method}: max |Δ| {MaxDiff(logits, golden.Load("logits"))}");
        double loss = adapted.Loss(new TrainBatch(ids, ids, null)).item<float>();
        Assert.True(Math.Abs(loss - golden.Load("loss").item<float>()) < 1e-5, $"{method}: loss {loss}");
    }

    [Theory]
    [InlineData("lora-r8")]
    [InlineData("rslora-r4")]
    public void MergeGivesPeftsMergedLogits(string method)
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        var lora = (LoraModel)AdapterIO.Load(Shared.Golden("peft", method), baseModel);
        var golden = SafeTensorsFile.Open(Shared.Golden("peft", method, "golden.safetensors"));
        var merged = lora.MergeAndUnload();
        using var _ = no_grad();
        var expected = golden.Contains("merged_logits") ? golden.Load("merged_logits") : golden.Load("logits");
        Assert.True(MaxDiff(merged.Forward(golden.Load("input_ids")), expected) < 1e-4);
        Assert.All(merged.named_modules().Select(m => m.module).OfType<LinearLayer>(), l => Assert.Null(l.Adapter));
    }

    [Fact]
    public void PTuningEncoderComputesTheSavedEmbeddings()
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        var config = PeftConfig.Load(Shared.Golden("peft", "p-tuning"));
        var model = new PromptTuningModel(baseModel, config);
        var encoder = SafeTensorsFile.Open(Shared.Golden("peft", "p-tuning", "encoder.safetensors"));
        using (no_grad())
            foreach (var (name, p) in model.Trainable) p.copy_(encoder.Load(name));
        var saved = SafeTensorsFile.Open(Shared.Golden("peft", "p-tuning", "adapter_model.safetensors")).Load("prompt_embeddings");
        using var _ = no_grad();
        Assert.True(MaxDiff(model.PromptEmbeddings(), saved) < 1e-6);
        var golden = SafeTensorsFile.Open(Shared.Golden("peft", "p-tuning", "golden.safetensors"));
        Assert.True(MaxDiff(model.Forward(golden.Load("input_ids")), golden.Load("logits")) < 1e-4);
    }

    [Fact]
    public void OneLoraTrainingStepReproducesPeftLossGradientsAndAdamW()
    {
        using var scope = NewDisposeScope();
        var dir = Shared.Golden("peft", "lora-train-step");
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        var lora = (LoraModel)AdapterIO.Load(dir, baseModel);
        var golden = SafeTensorsFile.Open(Path.Combine(dir, "golden.safetensors"));
        var batch = new TrainBatch(golden.Load("input_ids"), golden.Load("labels"), golden.Load("attention_mask"));
        lora.SetTraining(true);
        using var opt = new AdamW(lora.Trainable, new AdamW.Options(LearningRate: 1e-3, WeightDecay: 0.01), decayAll: true);

        var loss = lora.Loss(batch);
        Assert.True(Math.Abs(loss.item<float>() - golden.Load("loss").item<float>()) < 1e-5);
        loss.backward();
        var grads = SafeTensorsFile.Open(Path.Combine(dir, "grads.safetensors"));
        Assert.Equal(grads.Tensors.Keys.OrderBy(k => k), lora.Trainable.Select(t => t.Name).OrderBy(k => k));
        foreach (var (name, p) in lora.Trainable) AssertRel(grads.Load(name), p.grad!, 1e-4, "grad " + name);
        Assert.All(baseModel.named_parameters(), p => Assert.Null(p.parameter.grad));
        opt.StepOnce();
        var after = SafeTensorsFile.Open(Path.Combine(dir, "after_step.safetensors"));
        foreach (var (name, p) in lora.Trainable) AssertRel(after.Load(name), p, 1e-5, "after step " + name);

        opt.ZeroGrad();
        var loss2 = lora.Loss(batch);
        Assert.True(Math.Abs(loss2.item<float>() - golden.Load("loss_step2").item<float>()) < 1e-5);
        loss2.backward();
        opt.StepOnce();
        var after2 = SafeTensorsFile.Open(Path.Combine(dir, "after_step2.safetensors"));
        foreach (var (name, p) in lora.Trainable) AssertRel(after2.Load(name), p, 1e-5, "after step 2 " + name);
    }

    private static void AssertRel(Tensor expected, Tensor actual, double tol, string what)
    {
        double rel = ((actual.detach() - expected).norm() / expected.norm().clamp_min(1e-12)).item<float>();
        Assert.True(rel < tol, $"{what}: relative error {rel}");
    }

    [Theory, MemberData(nameof(Methods))]
    public void SavedAdaptersUsePeftKeysAndReloadToTheSameLogits(string method)
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        using var adapted = AdapterIO.Load(Shared.Golden("peft", method), baseModel);
        var outDir = Shared.TempDir();
        adapted.Save(outDir);
        var original = SafeTensorsFile.Open(Shared.Golden("peft", method, "adapter_model.safetensors"));
        var saved = SafeTensorsFile.Open(Path.Combine(outDir, AdapterIO.WeightsFile));
        Assert.Equal(original.Tensors.Keys.OrderBy(k => k), saved.Tensors.Keys.OrderBy(k => k));
        foreach (var k in original.Tensors.Keys) Assert.Equal(original.ReadBytes(k), saved.ReadBytes(k));
        var a = PeftConfig.Load(Shared.Golden("peft", method));
        var b = PeftConfig.Load(outDir);
        Assert.Equal(a.PeftType, b.PeftType);
        Assert.Equal(a.R, b.R);
        Assert.Equal(a.LoraAlpha, b.LoraAlpha);
        Assert.Equal(a.UseRslora, b.UseRslora);
        Assert.Equal(a.TargetModules.OrderBy(x => x), b.TargetModules.OrderBy(x => x));
        Assert.Equal(a.NumVirtualTokens, b.NumVirtualTokens);
        Assert.Equal(a.TokenDim, b.TokenDim);
        Assert.Equal(a.NumAttentionHeads, b.NumAttentionHeads);
    }

    [Theory, MemberData(nameof(Methods))]
    public void CachedAndUncachedGreedyAgreeForEveryMethod(string method)
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        using var adapted = AdapterIO.Load(Shared.Golden("peft", method), baseModel);
        var gen = new TextGenerator(adapted);
        int[][] prompts = [[37, 235, 396, 72, 255, 393, 203, 133], [5, 99, 7]];
        var o = new GenerationOptions { MaxNewTokens = 10, EosTokenIds = [] };
        var cached = gen.Generate(prompts, o);
        var uncached = gen.Generate(prompts, o with { UseCache = false });
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(uncached[i].Tokens, cached[i].Tokens);
            Assert.Equal(gen.Generate([prompts[i]], o)[0].Tokens, cached[i].Tokens);
        }
        // And the cached path's first token is the argmax of the full forward's last real position.
        using var _ = no_grad();
        var full = adapted.Forward(tensor(prompts[0].Select(x => (long)x).ToArray()).unsqueeze(0));
        Assert.Equal(full[0, -1].argmax().item<long>(), cached[0].Tokens[0]);
    }
}

/// <summary>DoRA and the P-tuning LSTM encoder, checked against their own definitions.</summary>
public class DoraAndEncoderTests
{
    [Fact]
    public void DoraStartsAsTheBaseAndMergesToTheSameFunction()
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        var ids = SafeTensorsFile.Open(Shared.Golden("llama-tiny", "golden.safetensors")).Load("input_ids");
        Tensor before;
        using (no_grad()) before = baseModel.Forward(ids).clone();
        var dora = (LoraModel)AdapterFactory.Create(baseModel, new MethodOptions { Method = "lora", Dora = true, Rank = 4, Targets = "q_proj,v_proj,down_proj" }, null, 0);
        using var _ = no_grad();
        // B = 0 and magnitude = ‖W‖: the adapted model is the base model.
        Assert.True((dora.Forward(ids) - before).abs().max().item<float>() < 1e-5);
        // Give B and the magnitude values; then the merged weights m·(W+sBA)/‖W+sBA‖ must compute what the adapter computes.
        var g = new Generator(5, CPU);
        foreach (var (_, l) in dora.Layers)
        {
            l.B.copy_(randn(l.B.shape, generator: g) * 0.05);
            l.Magnitude!.mul_(1.0 + 0.1 * randn(l.Magnitude.shape, generator: g));
        }
        var adapted = dora.Forward(ids).clone();
        Assert.True((adapted - before).abs().max().item<float>() > 1e-4);
        var merged = dora.MergeAndUnload().Forward(ids);
        Assert.True((merged - adapted).abs().max().item<float>() < 1e-4);
        Assert.Contains(dora.Trainable, t => t.Name.EndsWith("lora_magnitude_vector.default.weight"));
    }

    [Fact]
    public void LstmPromptEncoderHasPeftsShapeAndTrains()
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        var m = (PromptTuningModel)AdapterFactory.Create(baseModel, new MethodOptions { Method = "p-tuning", Encoder = "lstm", VirtualTokens = 5, EncoderHidden = 16 }, null, 0);
        Assert.Equal(new long[] { 5, 64 }, m.PromptEmbeddings().shape);
        Assert.Contains(m.Trainable, t => t.Name.StartsWith("prompt_encoder.default.lstm_head."));
        Assert.Contains(m.Trainable, t => t.Name == "prompt_encoder.default.mlp_head.2.weight");
        var ids = SafeTensorsFile.Open(Shared.Golden("llama-tiny", "golden.safetensors")).Load("input_ids");
        using var opt = new AdamW(m.Trainable, new AdamW.Options(LearningRate: 1e-2));
        m.SetTraining(true);
        double first = 0, last = 0;
        for (int i = 0; i < 10; i++)
        {
            using var step = NewDisposeScope();
            opt.ZeroGrad();
            var loss = m.Loss(new TrainBatch(ids, ids, null));
            loss.backward();
            opt.StepOnce();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first, $"{first} → {last}");
        Assert.All(baseModel.named_parameters(), p => Assert.Null(p.parameter.grad));
    }
}
