using System.ComponentModel;
using System.Diagnostics;
using SharpTune.Cli.Bench;
using SharpTune.Generation;
using SharpTune.Models;
using Spectre.Console;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// The standard generation workload (../shared/bench/README.md): batch 1, 64-token prompt, 128 new tokens,
/// greedy, random weights of a real shape. KV-cached decoding is timed against recomputing the whole
/// sequence every step, in the same process, so the ratio is meaningful on a noisy machine.
/// </summary>
public sealed class BenchGenerateCommand : Command<BenchGenerateCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--like <CONFIG>")] [Description("HF config.json of the shape to benchmark (default: SHARED/bench/smollm2-135m.json).")]
        public string? Like { get; set; }

        [CommandOption("--shared <DIR>")] [Description("The reference folder holding bench/ (default: $SHARPTUNE_SHARED, else ../shared beside the repository).")]
        public string? Shared { get; set; }

        [CommandOption("--prompt-tokens <N>")] [Description("Random prompt length in tokens (≥ 1).")] [DefaultValue(64)] [ValidRange(1)]
        public int PromptTokens { get; set; } = 64;

        [CommandOption("--new-tokens <N>")] [Description("Tokens to generate per run (≥ 1).")] [DefaultValue(128)] [ValidRange(1)]
        public int NewTokens { get; set; } = 128;

        [CommandOption("--repeats <N>")] [Description("Timed cached runs, median reported (≥ 1).")] [DefaultValue(5)] [ValidRange(1)]
        public int Repeats { get; set; } = 5;

        [CommandOption("--skip-uncached")] [Description("Do not time the (slow) full-recompute baseline.")]
        public bool SkipUncached { get; set; }

        [CommandOption("--device <DEVICE>")] [Description("cpu, cuda or cuda:N.")] [DefaultValue("cpu")] [Matches(ModelSettings.DevicePattern, "cpu, cuda or cuda:N")]
        public string Device { get; set; } = "cpu";

        [CommandOption("--threads <N>")] [Description("Torch intra-op threads, and llama.cpp's with --vs-llamacpp (≥ 1; default: all cores).")] [ValidRange(1)]
        public int? Threads { get; set; }

        [CommandOption("--json")] [Description("Print one JSON result line (what bench compare reads).")]
        public bool Json { get; set; }

        [CommandOption("--vs-llamacpp")] [Description("Also run the same model exported to GGUF f32 through llama.cpp (LLamaSharp CPU backend), alternating with SharpTune, and probe memory read bandwidth.")]
        public bool VsLlamaCpp { get; set; }

        [CommandOption("--model <DIR>")] [Description("A Llama/Qwen2 model folder to benchmark instead of a random-weight --like shape.")]
        public string? Model { get; set; }

        [CommandOption("--rounds <N>")] [Description("With --vs-llamacpp: alternating rounds (SharpTune, llama.cpp), each one timed generation; in [[1, 1000]]).")] [DefaultValue(5)] [ValidRange(1, 1000)]
        public int Rounds { get; set; } = 5;

        [CommandOption("--profile")] [Description("Instead of timing whole generations, time each piece of a decode step (Llama/Qwen2; --new-tokens steps each way), alternating steps with the CpuGemv decode kernel and with torch alone, beside the read-bandwidth limit.")]
        public bool Profile { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Model is not null && Like is not null ? Spectre.Console.ValidationResult.Error("--model and --like are exclusive: benchmark a model folder or a shape")
            : VsLlamaCpp && Device != "cpu" ? Spectre.Console.ValidationResult.Error("--vs-llamacpp runs on the CPU; drop --device")
            : base.Validate();
    }

    public sealed record Result(string Shape, long Parameters, double TokensPerSecond, double? UncachedTokensPerSecond, long PeakRssBytes, int Threads);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        if (s.Threads is int t) TorchSharp.torch.set_num_threads(t);
        var like = s.Model ?? BenchShapes.Resolve(s.Like, s.Shared);
        using var model = s.Model is not null ? ModelIO.Load(s.Model, Devices.Parse(s.Device)) : RandomModel(like, s.Device);
        var config = model.Config;
        model.eval();
        if (s.Profile) return DecodeProfile.Run(model, s.PromptTokens, s.NewTokens, BandwidthProbe.ReadGBps(TorchSharp.torch.get_num_threads()));
        if (s.VsLlamaCpp) return LlamaCppSideBySide.Run(model, s.Model, like, s.PromptTokens, s.NewTokens, s.Rounds, TorchSharp.torch.get_num_threads(), cancel);
        var rng = new Random(0);
        var prompt = Enumerable.Range(0, s.PromptTokens).Select(_ => rng.Next(config.VocabSize)).ToArray();
        var gen = new TextGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = s.NewTokens, EosTokenIds = [] };

        gen.Generate([prompt], options with { MaxNewTokens = 8 }); // warm-up: allocator, kernels
        var times = new List<double>();
        for (int i = 0; i < s.Repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            gen.Generate([prompt], options, cancel: cancel);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        double cached = s.NewTokens / times[times.Count / 2];
        double? uncached = null;
        if (!s.SkipUncached)
        {
            var sw = Stopwatch.StartNew();
            gen.Generate([prompt], options with { UseCache = false }, cancel: cancel);
            uncached = s.NewTokens / sw.Elapsed.TotalSeconds;
        }
        if (s.Json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new Result(Path.GetFileName(like.TrimEnd('/')), model.ParameterCount(), cached, uncached,
                PeakMemory.PeakRssBytes(), TorchSharp.torch.get_num_threads())));
            return 0;
        }
        var table = new Table().AddColumn("measure").AddColumn("value");
        table.AddRow("shape", $"{Path.GetFileName(like.TrimEnd('/'))} ({model.ParameterCount() / 1e6:F1}M params, {config.ModelType})");
        table.AddRow("workload", $"batch 1, prompt {s.PromptTokens}, {s.NewTokens} new tokens, greedy, fp32, {TorchSharp.torch.get_num_threads()} threads");
        table.AddRow("KV cache", $"{cached:F1} tokens/s (median of {s.Repeats})");
        if (uncached is double u)
        {
            table.AddRow("full recompute", $"{u:F2} tokens/s");
            table.AddRow("cache speed-up", $"{cached / u:F1}x");
        }
        table.AddRow("peak RSS", PeakMemory.Format(PeakMemory.PeakRssBytes()));
        Output.Current().Write(table);
        return 0;
    }

    private static CausalLM RandomModel(string like, string device)
    {
        var model = ModelIO.Create(ModelConfig.Load(like), Devices.Parse(device));
        ModelIO.Initialize(model, seed: 0);
        return model;
    }
}
