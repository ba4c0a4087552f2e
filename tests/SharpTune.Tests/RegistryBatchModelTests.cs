using System.Runtime.InteropServices;
using SharpTune.Adapters;
using SharpTune.Engine;
using SharpTune.Generation;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// The batching engine over the adapter registry (one base): rows of two LoRA adapters (one of them DoRA), a prefix
/// adapter, a prompt-tuning adapter and the base, running in one batch, each decode what their adapter gives alone —
/// the adapter loaded by itself onto its own base (<see cref="TrainedModel"/>) and run through <see cref="TextGenerator"/>.
/// </summary>
public class RegistryBatchModelTests
{
    private static string BaseDir => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");

    private static readonly Dictionary<string, MethodOptions> Methods = new()
    {
        ["lora-a"] = new() { Method = "lora", Rank = 4, Alpha = 8, Dropout = 0, Targets = "q_proj,v_proj,down_proj" },
        ["dora-b"] = new() { Method = "lora", Rank = 2, Alpha = 4, Dropout = 0, Targets = "q_proj,k_proj,o_proj,up_proj", Dora = true },
        ["prefix"] = new() { Method = "prefix-tuning", VirtualTokens = 5 },
        ["prompt"] = new() { Method = "prompt-tuning", VirtualTokens = 4 },
    };

    // Every trainable value moved off its initialisation (LoRA's B starts at zero), enough to change greedy tokens.
    private static readonly Lazy<Dictionary<string, string>> Dirs = new(() => Methods.ToDictionary(kv => kv.Key, kv =>
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(BaseDir);
        int seed = kv.Key.Length * 7 + (int)kv.Key[0];
        using var adapted = AdapterFactory.Create(model, kv.Value, null, seed);
        var g = new Generator((ulong)seed, CPU);
        using (no_grad())
            foreach (var (_, p) in adapted.Trainable) p.add_(randn(p.shape, generator: g) * (kv.Value.Method == "lora" ? 0.3 : 1.0));
        var dir = Shared.TempDir();
        adapted.Save(dir);
        return dir;
    }));

    private static Dictionary<string, byte[]> RawWeights(CausalLM model) =>
        model.named_parameters().ToDictionary(p => p.name, p => MemoryMarshal.AsBytes(p.parameter.data<float>().ToArray().AsSpan()).ToArray());

    private static int[] Alone(string? adapter, int[] prompt, GenerationOptions options)
    {
        using var model = TrainedModel.Load(BaseDir, adapter is null ? null : Dirs.Value[adapter]);
        using var _ = no_grad();
        return new TextGenerator(model.Model).Generate([prompt], options)[0].Tokens;
    }

    [Fact]
    public async Task LoraPrefixPromptAndBaseRowsInOneBatchEachDecodeAsTheirAdapterAlone()
    {
        var dirs = Dirs.Value;
        using var served = new ServedModel(BaseDir, dirs);
        var tok = served.Tokenizer;
        using var engine = new BatchingEngine(new RegistryBatchModel(served.Registry), tok, served.BaseName,
            new BatchingEngineOptions { MaxRunningRows = 16, MaxPrefillsPerStep = 16 });

        // The same prompt under every adapter (so a row given another's adapter cannot agree by accident), then a
        // second round with other prompts and lengths, so rows join and leave while others run.
        string?[] adapters = [null, "lora-a", "dora-b", "prefix", "prompt", "prompt", "lora-a", null, "prefix", "dora-b"];
        string[] texts = ["Package: curl\nDescription:", "Package: curl\nDescription:", "Package: curl\nDescription:", "Package: curl\nDescription:",
            "Package: curl\nDescription:", "The quick brown fox", "A library for parsing command line options", "Hello", "tool to", "Debian is a free operating system. It provides"];
        var prompts = texts.Select(t => tok.Encode(t, addSpecialTokens: false)).ToArray();
        var options = adapters.Select((_, i) => new GenerationOptions { MaxNewTokens = 8 + 3 * i, EosTokenIds = i % 3 == 0 ? served.EosTokenIds : [] }).ToArray();

        var runs = prompts.Select((p, i) => Task.Run(async () =>
        {
            var tokens = new List<int>();
            await foreach (var o in engine.Generate(new EngineRequest(p, options[i], adapters[i]))) tokens.AddRange(o.Tokens);
            return tokens.ToArray();
        })).ToArray();
        var batched = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(180));
        Assert.True(engine.RowSteps > 2 * engine.Steps, $"{engine.RowSteps} row-steps in {engine.Steps} steps: the rows did not run together");

        for (int i = 0; i < prompts.Length; i++)
            Assert.True(Alone(adapters[i], prompts[i], options[i]).SequenceEqual(batched[i]), $"row {i} ({adapters[i] ?? "base"}) differs from its adapter alone");
        // Each adapter changes the output of the shared prompt, and differently from the others.
        Assert.Equal(5, batched.Take(5).Select(t => string.Join(",", t.Take(8))).Distinct().Count());

        // Inference never wrote the base: its weights are the file's, byte for byte.
        using var fresh = ModelIO.Load(BaseDir);
        var expected = RawWeights(fresh);
        var after = RawWeights(served.Base);
        Assert.Equal(expected.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in expected) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }

    [Fact]
    public void TheEngineFactoryServesEveryAdapterOverOneBase()
    {
        using var engine = Engines.Open(Engines.Batching, BaseDir, Dirs.Value, queueCapacity: 4);
        Assert.IsType<BatchingEngine>(engine);
        Assert.Equal(Dirs.Value.Keys.Order(), engine.Adapters.Order());
        Assert.Contains("queue", Assert.Throws<IO.SharpTuneException>(() => Engines.Open(Engines.Batching, BaseDir, Dirs.Value, queueCapacity: 0)).Message);
    }
}
