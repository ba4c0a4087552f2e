using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Report;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`sharptune report`: a sweep's trials → OUT/index.html (self-contained) and the PNG figures beside it.</summary>
public sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandArgument(0, "[SWEEP_DIR]")]
        [Description("The sweep's output folder (reads SWEEP_DIR/trials.jsonl).")]
        public string? SweepDir { get; set; }

        [CommandOption("--store <FILE>")]
        [Description("Read the trials from an experiment store instead of a sweep folder.")]
        public string? Store { get; set; }

        [CommandOption("--sweep <NAME>")]
        [Description("Only the trials of this sweep; also the page's title.")]
        public string? Sweep { get; set; }

        [CommandOption("--out <DIR>")]
        [Description("Where index.html and the PNGs go.")]
        public string Out { get; set; } = "";

        [CommandOption("--hidden-size <N>")]
        [Description("The adapted layers' width, to mark ranks ≥ width (≥ 1; default: the trials' hidden_size setting, else the base model's config.json).")] [ValidRange(1)]
        public int? HiddenSize { get; set; }

        [CommandOption("--cut <TEXT>")]
        [Description("What of the planned grid was not run, and why (shown in the header).")]
        public string? Cut { get; set; }

        [CommandOption("--recommendation <FILE>")]
        [Description("The recommendation section: a Markdown file, or .html inserted as is.")]
        public string? Recommendation { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrEmpty(Out) ? Spectre.Console.ValidationResult.Error("--out DIR is required")
            : (SweepDir is null) == (Store is null) ? Spectre.Console.ValidationResult.Error("give either SWEEP_DIR or --store FILE")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var trials = Load(s);
        if (s.Sweep is { } name) trials = trials.Where(t => t.Sweep == name).ToList();
        if (trials.Count == 0) throw new SharpTuneException($"{s.SweepDir ?? s.Store}: no trials{(s.Sweep is null ? "" : $" of sweep {s.Sweep}")}");
        string? recommendation = null;
        if (s.Recommendation is { } file)
        {
            if (!File.Exists(file)) throw new SharpTuneException($"--recommendation {file}: not found");
            recommendation = File.ReadAllText(file);
        }
        var isHtml = s.Recommendation is { } f && (f.EndsWith(".html", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".htm", StringComparison.OrdinalIgnoreCase));
        var options = new ReportOptions
        {
            SweepName = s.Sweep, CutNote = s.Cut,
            RecommendationHtml = isHtml ? recommendation : null, RecommendationMarkdown = isHtml ? null : recommendation,
            BaseHiddenSize = s.HiddenSize ?? RankWidth.FromBaseModel(trials),
        };
        var result = StudyReport.Write(trials, options, s.Out);
        var drawn = result.Figures.Count(f => f.Png is not null);
        Console.WriteLine($"{trials.Count} trials, {result.Points.Count} points: {drawn} figures drawn, {result.Figures.Count - drawn} skipped → {result.IndexPath}");
        return 0;
    }

    private static IReadOnlyList<TrialRecord> Load(Settings s)
    {
        if (s.SweepDir is { } dir) return TrialSource.FromSweepDir(dir);
        using var store = ExperimentStores.Open(s.Store!, create: false);
        return TrialSource.FromStore(store, s.Sweep);
    }
}
