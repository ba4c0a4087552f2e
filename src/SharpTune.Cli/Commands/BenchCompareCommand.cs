using System.ComponentModel;
using System.Text.Json;
using SharpTune.Cli.Commands.Compare;
using SharpTune.Cli.Options;
using SharpTune.Generation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `bench compare`: SharpTune's `bench train`/`bench generate` against the plain PyTorch reference
/// (bench/pytorch/reference.py on Debian's python3-torch with OpenBLAS), same shape, threads, fp32, batch, sequence
/// length and timed step. Every measurement is its own process (so each peak RSS is its own), alternating
/// SharpTune, PyTorch, SharpTune, PyTorch … so both sides see the same drift of a shared machine's load.
/// </summary>
public sealed class BenchCompareCommand : Command<BenchCompareCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--workload <LIST>")] [Description("lora, full, generate, or a comma list of them.")] [DefaultValue("lora,full,generate")]
        [OneOf("lora", "full", "generate", List = true)]
        public string Workload { get; set; } = "lora,full,generate";
        [CommandOption("--like <CONFIG>")] [Description("HF config.json of the shape to benchmark (default: SHARED/bench/smollm2-135m.json).")]
        public string? Like { get; set; }
        [CommandOption("--shared <DIR>")] [Description("The reference folder holding bench/ (default: $SHARPTUNE_SHARED, else ../shared beside the repository).")]
        public string? Shared { get; set; }
        [CommandOption("--rounds <N>")] [Description("SharpTune/PyTorch pairs per workload, run alternately (≥ 1).")] [DefaultValue(3)] [ValidRange(1)]
        public int Rounds { get; set; } = 3;
        [CommandOption("--threads <N>")] [Description("Intra-op threads of both sides (≥ 1).")] [DefaultValue(2)] [ValidRange(1)]
        public int Threads { get; set; } = 2;
        [CommandOption("--batch-size <B>")] [Description("Training: sequences per step (≥ 1).")] [DefaultValue(4)] [ValidRange(1)] public int BatchSize { get; set; } = 4;
        [CommandOption("--seq-len <T>")] [Description("Training: tokens per sequence (≥ 2).")] [DefaultValue(256)] [ValidRange(2)] public int SeqLen { get; set; } = 256;
        [CommandOption("--steps <N>")] [Description("Training: timed steps per process, median taken (≥ 1).")] [DefaultValue(5)] [ValidRange(1)] public int Steps { get; set; } = 5;
        [CommandOption("--warmup-steps <N>")] [Description("Training: untimed steps first (≥ 0).")] [DefaultValue(2)] [ValidRange(0)] public int WarmupSteps { get; set; } = 2;
        [CommandOption("--rank <R>")] [Description("LoRA rank (≥ 1).")] [DefaultValue(16)] [ValidRange(1)] public int Rank { get; set; } = 16;
        [CommandOption("--alpha <A>")] [Description("LoRA alpha (> 0).")] [DefaultValue(32.0)] [ValidRange(0, MinOpen = true)] public double Alpha { get; set; } = 32;
        [CommandOption("--prompt-tokens <N>")] [Description("Generation: random prompt length (≥ 1).")] [DefaultValue(64)] [ValidRange(1)] public int PromptTokens { get; set; } = 64;
        [CommandOption("--new-tokens <N>")] [Description("Generation: greedy tokens per run (≥ 1).")] [DefaultValue(128)] [ValidRange(1)] public int NewTokens { get; set; } = 128;
        [CommandOption("--repeats <N>")] [Description("Generation: timed runs per process, median taken (≥ 1).")] [DefaultValue(5)] [ValidRange(1)] public int Repeats { get; set; } = 5;
        [CommandOption("--python <PATH>")] [Description("The interpreter with Debian's python3-torch (default /usr/bin/python3, not a pyenv/venv python).")] [DefaultValue(PyTorchReference.DefaultPython)]
        public string Python { get; set; } = PyTorchReference.DefaultPython;
        [CommandOption("--json")] [Description("Print one JSON line per workload instead of the table.")] public bool Json { get; set; }
    }

    public sealed record Row(string Workload, string Shape, double SharpTuneTokensPerSecond, double PyTorchTokensPerSecond, double MinRatio, double MedianRatio,
        double MaxRatio, double[] Ratios, long SharpTunePeakRssBytes, long PyTorchPeakRssBytes, double RssRatio, string Torch, int Threads);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var like = Path.GetFullPath(BenchShapes.Resolve(s.Like, s.Shared));
        var reference = PyTorchReference.Open(s.Python);
        var console = Output.Current();
        if (!s.Json)
            console.WriteLine($"{Path.GetFileName(like)}: {s.Threads} threads, fp32; PyTorch {reference.TorchVersion} ({reference.Python}) on " +
                              $"{string.Join(", ", reference.BlasLibraries.Select(Path.GetFileName).Distinct())}; {s.Rounds} rounds, alternating, one process per run");
        var rows = new List<Row>();
        foreach (var workload in s.Workload.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct())
        {
            var ours = new List<ComparedRun>();
            var theirs = new List<ComparedRun>();
            for (int round = 0; round < s.Rounds; round++)
            {
                ours.Add(RunSharpTune(s, like, workload, cancel));
                theirs.Add(RunPyTorch(s, reference, like, workload, cancel));
                if (!s.Json)
                    console.WriteLine($"  {workload} round {round + 1}: SharpTune {ours[^1].TokensPerSecond:F1} tokens/s ({PeakMemory.Format(ours[^1].PeakRssBytes)}), " +
                                      $"PyTorch {theirs[^1].TokensPerSecond:F1} tokens/s ({PeakMemory.Format(theirs[^1].PeakRssBytes)})");
            }
            var c = new Comparison(workload, ours, theirs);
            rows.Add(new Row(workload, Path.GetFileName(like), c.SharpTuneTokensPerSecond, c.PyTorchTokensPerSecond, c.MinRatio, c.MedianRatio, c.MaxRatio,
                c.SpeedRatios.ToArray(), c.SharpTunePeakRss, c.PyTorchPeakRss, c.RssRatio, reference.TorchVersion, s.Threads));
        }
        if (s.Json) { foreach (var r in rows) Console.WriteLine(JsonSerializer.Serialize(r)); return 0; }
        var table = new Table().AddColumns("workload", "SharpTune tokens/s", "PyTorch tokens/s", "ratio (min / median / max)", "SharpTune peak RSS", "PyTorch peak RSS", "RSS ratio");
        foreach (var r in rows)
            table.AddRow(Describe(r.Workload, s), $"{r.SharpTuneTokensPerSecond:F1}", $"{r.PyTorchTokensPerSecond:F1}",
                $"{r.MinRatio:F2} / [bold]{r.MedianRatio:F2}x[/] / {r.MaxRatio:F2}", PeakMemory.Format(r.SharpTunePeakRssBytes), PeakMemory.Format(r.PyTorchPeakRssBytes), $"{r.RssRatio:F2}x");
        console.Write(table);
        console.WriteLine("tokens/s: median over rounds of each process's median; ratio = SharpTune ÷ PyTorch per round; peak RSS: largest of each side's runs");
        return 0;
    }

    private static string Describe(string workload, Settings s) => workload switch
    {
        "generate" => $"generate (batch 1, {s.PromptTokens}+{s.NewTokens} greedy)",
        "lora" => $"LoRA r={s.Rank} ({s.BatchSize}×{s.SeqLen})",
        _ => $"full FT ({s.BatchSize}×{s.SeqLen})",
    };

    private static ComparedRun RunSharpTune(Settings s, string like, string workload, CancellationToken cancel)
    {
        var args = new List<string> { typeof(CliApp).Assembly.Location, "bench" };
        args.AddRange(workload == "generate"
            ? ["generate", "--like", like, "--prompt-tokens", $"{s.PromptTokens}", "--new-tokens", $"{s.NewTokens}", "--repeats", $"{s.Repeats}", "--skip-uncached"]
            : ["train", "--method", workload, "--like", like, "--batch-size", $"{s.BatchSize}", "--seq-len", $"{s.SeqLen}", "--steps", $"{s.Steps}",
               "--warmup-steps", $"{s.WarmupSteps}", "--rank", $"{s.Rank}", "--alpha", $"{s.Alpha}"]);
        args.AddRange(["--threads", $"{s.Threads}", "--json"]);
        var line = JsonChild.Run("dotnet", args, $"sharptune bench {(workload == "generate" ? "generate" : $"train --method {workload}")}", cancel);
        var json = JsonDocument.Parse(line).RootElement;
        return new ComparedRun("sharptune", workload, json.GetProperty("TokensPerSecond").GetDouble(), json.GetProperty("PeakRssBytes").GetInt64(), line);
    }

    private static ComparedRun RunPyTorch(Settings s, PyTorchReference reference, string like, string workload, CancellationToken cancel)
    {
        string[] args = workload == "generate"
            ? ["generate", "--like", like, "--prompt-tokens", $"{s.PromptTokens}", "--new-tokens", $"{s.NewTokens}", "--repeats", $"{s.Repeats}"]
            : ["train", "--method", workload, "--like", like, "--batch-size", $"{s.BatchSize}", "--seq-len", $"{s.SeqLen}", "--steps", $"{s.Steps}",
               "--warmup-steps", $"{s.WarmupSteps}", "--rank", $"{s.Rank}", "--alpha", $"{s.Alpha}"];
        var json = reference.Run(s.Threads, args, cancel);
        return new ComparedRun("pytorch", workload, json.GetProperty("tokens_per_second").GetDouble(), json.GetProperty("peak_rss_bytes").GetInt64(), json.GetRawText());
    }
}
