using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// A saved P-tuning (or projected prefix-tuning) adapter keeps its encoder beside PEFT's prompt_embeddings;
/// loading the folder must bring the encoder back, so training continues through it, not on frozen outputs.
/// </summary>
public class PromptEncoderLoadTests
{
    public static TheoryData<string> Encoders => new() { "p-tuning:mlp", "p-tuning:lstm", "prefix-tuning:projection" };

    private static AdaptedModel Create(CausalLM model, string kind) => AdapterFactory.Create(model, new MethodOptions
    {
        Method = kind.Split(':')[0], VirtualTokens = 4, Encoder = kind.EndsWith("lstm") ? "lstm" : "mlp", PrefixProjection = kind.EndsWith("projection"), EncoderHidden = 24,
    }, null, seed: 7);

    private static TrainBatch Batch()
    {
        var tok = Tokenization.Tokenizer.Load(TinyFixture.ModelDir);
        var examples = SftDataset.Load(TinyFixture.DataFile(4), tok, new SftDataOptions { MaxLength = 64, Overflow = "truncate" });
        return SftBatchSource.Sequential(examples, 4, 0, CPU).First();
    }

    private static Tensor Values(AdaptedModel m) => m switch
    {
        PromptTuningModel p => p.PromptEmbeddings(),
        PrefixTuningModel p => p.PrefixValues(),
        _ => throw new ArgumentException(m.Method),
    };

    // A few plain gradient steps, so the encoder differs from any fresh initialisation.
    private static void Train(AdaptedModel m, TrainBatch batch)
    {
        for (int step = 0; step < 3; step++)
        {
            foreach (var (_, p) in m.Trainable) p.grad?.zero_();
            m.Loss(batch).backward();
            using var _ = no_grad();
            foreach (var (_, p) in m.Trainable) p.sub_(p.grad! * 0.5);
        }
    }

    [Theory, MemberData(nameof(Encoders))]
    public void LoadingRestoresTheEncoderSoTrainingContinues(string kind)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        var batch = Batch();
        using var trained = Create(model, kind);
        Train(trained, batch);
        trained.SetTraining(false);
        var dir = Shared.TempDir();
        trained.Save(dir);
        Assert.True(File.Exists(Path.Combine(dir, AdapterIO.EncoderFile)));

        using var loaded = AdapterIO.Load(dir, model);
        loaded.SetTraining(false);
        Assert.Equal(trained.Method, loaded.Method);
        // The same trainable parameters (the encoder, by PEFT's names), with the same values.
        Assert.Equal(trained.Trainable.Select(t => t.Name), loaded.Trainable.Select(t => t.Name));
        foreach (var ((name, a), (_, b)) in trained.Trainable.Zip(loaded.Trainable))
            Assert.True(a.equal(b).all().item<bool>(), $"{kind}: {name} differs after loading");
        Assert.True((Values(trained) - Values(loaded)).abs().max().item<float>() < 1e-6, $"{kind}: computed prompt values differ after loading");

        // Continuing training: the loaded adapter's gradients (through the encoder) equal the original's.
        foreach (var m in new[] { trained, loaded })
        {
            foreach (var (_, p) in m.Trainable) p.grad?.zero_();
            m.Loss(batch).backward();
        }
        foreach (var ((name, a), (_, b)) in trained.Trainable.Zip(loaded.Trainable))
            Assert.True((a.grad! - b.grad!).abs().max().item<float>() < 1e-6, $"{kind}: gradient of {name} differs after loading");
    }

    [Theory, MemberData(nameof(Encoders))]
    public void WithoutTheEncoderFileTheEmbeddingsStillLoad(string kind)
    {
        // A folder PEFT wrote (no encoder file): the saved values, used as they are.
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var trained = Create(model, kind);
        Train(trained, Batch());
        trained.SetTraining(false);
        var dir = Shared.TempDir();
        trained.Save(dir);
        File.Delete(Path.Combine(dir, AdapterIO.EncoderFile));
        using var loaded = AdapterIO.Load(dir, model);
        Assert.True((Values(trained) - Values(loaded)).abs().max().item<float>() < 1e-6);
        Assert.Single(loaded.Trainable);
    }

    [Fact]
    public void AnEncoderFromAnotherRunIsRefused()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        using var a = Create(model, "p-tuning:mlp");
        using var b = Create(model, "p-tuning:mlp");
        Train(b, Batch());
        string dirA = Shared.TempDir(), dirB = Shared.TempDir();
        a.Save(dirA);
        b.Save(dirB);
        File.Copy(Path.Combine(dirB, AdapterIO.EncoderFile), Path.Combine(dirA, AdapterIO.EncoderFile), overwrite: true);
        var e = Assert.Throws<SharpTuneException>(() => AdapterIO.Load(dirA, model).Dispose());
        Assert.Contains(AdapterIO.EncoderFile, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
