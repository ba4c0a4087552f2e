using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training;
using Spectre.Console;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SharpTune.Cli.Commands;

/// <summary>
/// Training speed and memory on the standard workloads (../shared/bench/README.md): random weights of a real
/// shape, batch 4 × 256, AdamW, fp32. Several methods run one per child process, so each peak RSS is its own.
/// MFU = model FLOP/s ÷ this machine's fp32 matmul FLOP/s, both measured in the same process.
/// </summary>
public sealed class BenchTrainCommand : Command<BenchTrainCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--method <METHODS>")] [Description("lora, full, or a comma list (each in its own process).")] [DefaultValue("lora,full")] [OneOf("lora", "full", List = true)]
        public string Method { get; set; } = "lora,full";
        [CommandOption("--like <CONFIG>")] [Description("HF config.json of the shape to benchmark (default: SHARED/bench/smollm2-135m.json).")]
        public string? Like { get; set; }
        [CommandOption("--shared <DIR>")] [Description("The reference folder holding bench/ (default: $SHARPTUNE_SHARED, else ../shared beside the repository).")]
        public string? Shared { get; set; }
        [CommandOption("--batch-size <B>")] [Description("Sequences per step (≥ 1).")] [DefaultValue(4)] [ValidRange(1)] public int BatchSize { get; set; } = 4;
        [CommandOption("--seq-len <T>")] [Description("Tokens per sequence (≥ 2).")] [DefaultValue(256)] [ValidRange(2)] public int SeqLen { get; set; } = 256;
        [CommandOption("--steps <N>")] [Description("Timed steps, median reported (≥ 1).")] [DefaultValue(5)] [ValidRange(1)] public int Steps { get; set; } = 5;
        [CommandOption("--warmup-steps <N>")] [Description("Untimed steps first (≥ 0).")] [DefaultValue(2)] [ValidRange(0)] public int WarmupSteps { get; set; } = 2;
        [CommandOption("--rank <R>")] [Description("LoRA rank (≥ 1).")] [DefaultValue(16)] [ValidRange(1)] public int Rank { get; set; } = 16;
        [CommandOption("--alpha <A>")] [Description("LoRA alpha (> 0).")] [DefaultValue(32.0)] [ValidRange(0, MinOpen = true)] public double Alpha { get; set; } = 32;
        [CommandOption("--threads <N>")] [Description("Torch intra-op threads (≥ 1; default: all cores).")] [ValidRange(1)]
        public int? Threads { get; set; }
        [CommandOption("--breakdown")] [Description("Time one more step split into body, output head, loss, their backwards and the optimizer.")]
        public bool Breakdown { get; set; }
        [CommandOption("--json")] [Description("Print one JSON result line (used between processes).")] public bool Json { get; set; }
    }

    /// <param name="ForwardSeconds">Of the median step: zero_grad + forward + loss.</param>
    /// <param name="OptimizerSeconds">Of the median step: clipping + AdamW.</param>
    public sealed record Result(string Method, string Shape, long Parameters, long Trainable, double TokensPerSecond, double ModelTflops,
        double MatmulGflops, double Mfu, long PeakRssBytes, long OptimizerStateBytes, double StepSeconds,
        double ForwardSeconds = 0, double BackwardSeconds = 0, double OptimizerSeconds = 0, StepBreakdown? Breakdown = null);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        if (s.Threads is int threads) set_num_threads(threads);
        var methods = s.Method.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var like = BenchShapes.Resolve(s.Like, s.Shared);
        var results = methods.Length == 1 ? [Measure(s, like, methods[0])] : methods.Select(m => InChild(s, like, m)).ToList();
        if (s.Json) { foreach (var r in results) Console.WriteLine(JsonSerializer.Serialize(r)); return 0; }
        var table = new Table().AddColumns("method", "trainable", "tokens/s", "step", "MFU", "peak RSS", "optimizer state");
        foreach (var r in results)
            table.AddRow(r.Method, $"{r.Trainable:N0} of {r.Parameters:N0}", $"{r.TokensPerSecond:F0}", $"{r.StepSeconds:F2} s",
                $"{100 * r.Mfu:F1}% ({r.ModelTflops * 1000:F1} of {r.MatmulGflops:F1} GFLOP/s)", PeakMemory.Format(r.PeakRssBytes), $"{r.OptimizerStateBytes / 1048576.0:F1} MiB");
        var console = Output.Current();
        console.WriteLine($"{Path.GetFileName(like)}: batch {s.BatchSize} × {s.SeqLen}, AdamW, fp32, {get_num_threads()} threads; LoRA r={s.Rank}, alpha={s.Alpha}, all linear projections");
        console.Write(table);
        foreach (var r in results.Where(r => r.Breakdown is not null))
            console.WriteLine($"{r.Method} step breakdown: {r.Breakdown}");
        return 0;
    }

    private static Result InChild(Settings s, string like, string method)
    {
        var dll = typeof(CliApp).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "bench", "train", "--method", method, "--like", Path.GetFullPath(like), "--batch-size", $"{s.BatchSize}", "--seq-len", $"{s.SeqLen}",
                     "--steps", $"{s.Steps}", "--warmup-steps", $"{s.WarmupSteps}", "--rank", $"{s.Rank}", "--alpha", $"{s.Alpha}", "--json" })
            psi.ArgumentList.Add(a);
        if (s.Threads is int t) { psi.ArgumentList.Add("--threads"); psi.ArgumentList.Add($"{t}"); }
        if (s.Breakdown) psi.ArgumentList.Add("--breakdown");
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEnd();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new SharpTuneException($"bench train --method {method} failed: {stderr.Trim().Split('\n').LastOrDefault()}");
        return JsonSerializer.Deserialize<Result>(stdout.Trim().Split('\n')[^1])!;
    }

    private static Result Measure(Settings s, string like, string method)
    {
        var config = ModelConfig.Load(like);
        double matmul = MatmulGflops();
        using var model = ModelIO.Create(config);
        ModelIO.Initialize(model, 0);
        using var adapted = AdapterFactory.Create(model, new MethodOptions { Method = method, Rank = s.Rank, Alpha = s.Alpha, Dropout = 0, Targets = "all-linear" }, null, 0);
        using var opt = new AdamW(adapted.Trainable, new AdamW.Options(1e-4));
        adapted.SetTraining(true);
        var rng = new Generator(0, CPU);
        var times = new List<(double Step, double Forward, double Backward, double Optimizer)>();
        for (int step = 0; step < s.WarmupSteps + s.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var ids = randint(0, config.VocabSize, [s.BatchSize, s.SeqLen], generator: rng);
            var sw = Stopwatch.StartNew();
            opt.ZeroGrad();
            var loss = adapted.Loss(new TrainBatch(ids, ids, null));
            var forward = sw.Elapsed.TotalSeconds;
            loss.backward();
            var backward = sw.Elapsed.TotalSeconds;
            opt.ClipGradNorm(1.0);
            opt.StepOnce();
            var total = sw.Elapsed.TotalSeconds;
            if (step >= s.WarmupSteps) times.Add((total, forward, backward - forward, total - backward));
        }
        times.Sort();
        var median = times[times.Count / 2];
        double stepSeconds = median.Step;
        long peakRss = PeakMemory.PeakRssBytes(); // before the breakdown step, which holds the hidden states twice
        var breakdown = s.Breakdown ? StepBreakdown.Measure(adapted, opt, config, s.BatchSize, s.SeqLen, rng) : null;
        double tokens = s.BatchSize * s.SeqLen;
        // Matmul parameters (every linear weight, the output head included; embedding lookups are free).
        long matmulParams = model.named_modules().Select(m => m.module).OfType<LinearLayer>().Sum(l => (long)l.InFeatures * l.OutFeatures)
                            + (config.TieWordEmbeddings ? (long)config.VocabSize * config.HiddenSize : 0);
        double attention = 4.0 * config.NumLayers * s.SeqLen * config.NumHeads * config.HeadDim; // QKᵀ and AV, forward, per token
        // Forward 2N; backward 2N for input gradients, plus 2N for weight gradients only when weights train.
        double perToken = (method == "full" ? 6.0 : 4.0) * matmulParams + 3 * attention;
        double flops = perToken * tokens / stepSeconds;
        return new Result(method, Path.GetFileName(like), model.ParameterCount(), adapted.TrainableParameterCount, tokens / stepSeconds,
            flops / 1e12, matmul, flops / 1e9 / matmul, peakRss, opt.StateBytes, stepSeconds,
            median.Forward, median.Backward, median.Optimizer, breakdown);
    }

    /// <summary>Sustained fp32 GEMM rate of this machine (1024³, median of 10).</summary>
    public static double MatmulGflops()
    {
        using var scope = NewDisposeScope();
        var a = randn(1024, 1024);
        var b = randn(1024, 1024);
        for (int i = 0; i < 3; i++) a.matmul(b).Dispose();
        var t = new List<double>();
        for (int i = 0; i < 10; i++)
        {
            var sw = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            t.Add(sw.Elapsed.TotalSeconds);
        }
        t.Sort();
        return 2.0 * 1024 * 1024 * 1024 / t[t.Count / 2] / 1e9;
    }
}
