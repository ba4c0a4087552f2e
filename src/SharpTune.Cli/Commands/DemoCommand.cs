using System.ComponentModel;
using SharpTune.Generation;
using SharpTune.Recipes;
using SharpTune.Training;
using SharpTune.Cli.Options;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>The main job: before/after summaries of the shipped base with LoRA, on the embedded defaults.</summary>
public sealed class DemoCommand : Command<DemoCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--config <FILE>")] [Description("JSON file of these options (keys are option names without --); options on the command line win. Unknown keys are errors.")]
        public string? Config { get; set; }
        [CommandOption("--model <DIR>")] [Description("Base model folder (default: the shipped models/sharptune-base).")] public string? Model { get; set; }
        [CommandOption("--data <JSONL>")] [Description("Training pairs {id, source, summary} (default: ../shared/data/debian-descriptions/train.jsonl).")] public string? Data { get; set; }
        [CommandOption("--dev <JSONL>")] [Description("Held-out pairs (default: the dev.jsonl beside --data).")] public string? Dev { get; set; }
        [CommandOption("--method <METHOD>")] [Description("prompt-tuning, p-tuning, prefix-tuning, lora, unfreeze or full, each with its own defaults (learning rate; prompt tuning starts from a text's embeddings; unfreeze trains the last 2 layers).")] [DefaultValue("lora")]
        [OneOf("prompt-tuning", "p-tuning", "prefix-tuning", "lora", "unfreeze", "full")]
        public string Method { get; set; } = "lora";
        [CommandOption("--rank <R>")] [Description("LoRA rank (≥ 1).")] [DefaultValue(8)] [ValidRange(1)] public int Rank { get; set; } = 8;
        [CommandOption("--train-examples <N>")] [Description("Training pairs to use, from the start of --data (≥ 1).")] [DefaultValue(2000)] [ValidRange(1)] public int TrainExamples { get; set; } = 2000;
        [CommandOption("--eval-examples <N>")] [Description("Held-out pairs to summarise before and after (≥ 1).")] [DefaultValue(100)] [ValidRange(1)] public int EvalExamples { get; set; } = 100;
        [CommandOption("--epochs <N>")] [Description("Passes over the training pairs (≥ 1).")] [DefaultValue(1)] [ValidRange(1)] public int Epochs { get; set; } = 1;
        [CommandOption("--lr <LR>")] [Description("Peak learning rate (> 0; default: the method's own, as for train: prompt-tuning 3e-1, p-tuning 1e-2, prefix-tuning 3e-1, lora 2e-3, unfreeze 1e-3, full 3e-4).")]
        [ValidRange(0, MinOpen = true)] public double? Lr { get; set; }
        [CommandOption("--out <DIR>")] [Description("Output folder for the adapter, checkpoint and report.md (must not be an existing file).")] [DefaultValue("runs/demo")] [OutputPath]
        public string Out { get; set; } = "runs/demo";
        [CommandOption("--resume")] [Description("Continue the interrupted run in --out (an error when it has no checkpoint).")] public bool Resume { get; set; }
        [CommandOption("--force")] [Description("Replace a previous demo run in --out instead of refusing.")] public bool Force { get; set; }
        [CommandOption("--device <DEVICE>")] [Description("cpu, cuda or cuda:N.")] [DefaultValue("cpu")] [Matches(ModelSettings.DevicePattern, "cpu, cuda or cuda:N")]
        public string Device { get; set; } = "cpu";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var stop = Cancellation.Listen(cancel);
        var defaults = new DemoOptions();
        var train = s.Data ?? defaults.TrainPath;
        var options = defaults with
        {
            ModelDir = s.Model ?? defaults.ModelDir, TrainPath = train,
            DevPath = s.Dev ?? (s.Data is null ? defaults.DevPath : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(train))!, "dev.jsonl")),
            Method = s.Method, Rank = s.Rank, TrainExamples = s.TrainExamples, EvalExamples = s.EvalExamples, Epochs = s.Epochs,
            LearningRate = s.Lr, OutDir = s.Out, Resume = s.Resume, Force = s.Force, Device = s.Device,
        };
        var console = Output.Current();
        DemoRecipe.Outcome outcome;
        try
        {
            if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
                outcome = DemoRecipe.Run(options, new PlainProgress(), stop.Token);
            else
            {
                outcome = null!;
                console.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                    .Start(ctx => outcome = DemoRecipe.Run(options, new BarProgress(ctx), stop.Token));
            }
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
            // Stopped while scoring (before or after training): nothing to checkpoint there.
            Console.Error.WriteLine("cancelled");
            return stop.ExitCode;
        }

        var t = outcome.Training.Result;
        if (outcome.After is null)
        {
            console.MarkupLine($"[yellow]stopped at step {t.Steps}[/]; checkpoint and adapter are in {Markup.Escape(outcome.AdapterDir)} — rerun with --resume to continue.");
            return stop.ExitCode;
        }
        var table = new Table().Title("ROUGE F1 on held-out descriptions").AddColumns("model", "ROUGE-1", "ROUGE-2", "ROUGE-L");
        table.AddRow("base", $"{outcome.Before.Rouge.Rouge1:F4}", $"{outcome.Before.Rouge.Rouge2:F4}", $"{outcome.Before.Rouge.RougeL:F4}");
        table.AddRow($"+ {DemoRecipe.Describe(options)}", $"{outcome.After.Rouge.Rouge1:F4}", $"{outcome.After.Rouge.Rouge2:F4}", $"{outcome.After.Rouge.RougeL:F4}");
        console.Write(table);
        foreach (var i in new[] { 0, 1, 2 }.Where(i => i < outcome.Before.Items.Count))
        {
            var p = outcome.Before.Items[i].Pair;
            console.MarkupLine($"\n[bold]{Markup.Escape(p.Id)}[/]: {Markup.Escape(DemoRecipe.Excerpt(p.Source, 160))}");
            console.MarkupLine($"  reference : {Markup.Escape(p.Summary)}");
            console.MarkupLine($"  base      : {Markup.Escape(outcome.Before.Items[i].Generated)}");
            console.MarkupLine($"  fine-tuned: {Markup.Escape(outcome.After.Items[i].Generated)}");
        }
        console.MarkupLine($"\ntrained {t.Steps} steps in {t.Elapsed:hh\\:mm\\:ss} (loss {t.Losses.FirstOrDefault():F3} → {t.Losses.LastOrDefault():F3}), peak RSS {PeakMemory.Format(PeakMemory.PeakRssBytes())}");
        console.MarkupLine($"adapter: {Markup.Escape(outcome.AdapterDir)}   report: {Markup.Escape(outcome.ReportPath)}");
        return 0;
    }

    private static string Cut(FineTuneRecipe.Setup s) => s.Truncated > 0 ? $"; {s.Truncated:N0} over-long training examples had their source truncated" : "";

    private sealed class PlainProgress : DemoRecipe.IProgress
    {
        private long _every = 1;
        public void Stage(string text) => Console.WriteLine($"» {text}");
        public void Evaluating(string label, int done, int total) { if (done == total || done % 32 == 0) Console.WriteLine($"  {label}: {done}/{total} summaries"); }
        public void Setup(FineTuneRecipe.Setup s) => Console.WriteLine($"  trainable parameters {s.TrainableParameters:N0} of {s.TotalParameters:N0}; optimizer state {s.OptimizerStateBytes / 1048576.0:F2} MiB{Cut(s)}");
        public void Training(TrainProgress p)
        {
            _every = Math.Max(1, p.MaxSteps / 20);
            if (p.Step % _every == 0 || p.Step == p.MaxSteps) Console.WriteLine($"  step {p.Step}/{p.MaxSteps} loss {p.Loss:F4} {p.TokensPerSecond:F0} tok/s eta {p.Eta:hh\\:mm\\:ss}");
        }
    }

    private sealed class BarProgress(ProgressContext ctx) : DemoRecipe.IProgress
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new();
        private ProgressTask Task(string key, double max) => _tasks.TryGetValue(key, out var t) ? t : _tasks[key] = ctx.AddTask(key, maxValue: max);
        public void Stage(string text) => AnsiConsole.MarkupLine($"» {Markup.Escape(text)}");
        public void Evaluating(string label, int done, int total) { var t = Task($"summaries ({label})", total); t.Value = done; }
        public void Setup(FineTuneRecipe.Setup s) => AnsiConsole.MarkupLine($"  trainable parameters {s.TrainableParameters:N0} of {s.TotalParameters:N0}; optimizer state {s.OptimizerStateBytes / 1048576.0:F2} MiB{Cut(s)}");
        public void Training(TrainProgress p)
        {
            var t = Task("training", p.MaxSteps);
            t.Value = p.Step;
            t.Description = Markup.Escape($"training loss {p.Loss:F3} {p.TokensPerSecond:F0} tok/s");
        }
    }
}
