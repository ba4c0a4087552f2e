using System.ComponentModel;
using System.Globalization;
using SharpTune.Audit;
using SharpTune.Audit.Model;
using SharpTune.Cli.Options;
using SharpTune.Data;
using SharpTune.IO;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune data audit`: finds the examples that would teach bad habits — model-free detectors, and with --model
/// a K-fold cross-validated LoRA whose folds run as the trials of a sweep — and writes OUT/audit.jsonl (worst first),
/// OUT/index.html and, with --write-clean, the data minus the examples over --clean-min-score (never in place).
/// </summary>
public sealed class DataAuditCommand : Command<DataAuditCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--data <JSONL>")] [Description("The training data to audit: {id?, source, summary} lines. Required.")]
        public string Data { get; set; } = "";
        [CommandOption("--dev <JSONL>")] [Description("Dev pairs: training sources that (near-)duplicate a dev source are flagged as leakage.")]
        public string? Dev { get; set; }
        [CommandOption("--limit <N>")] [Description("Audit only the first N examples (≥ 1; default: all).")] [ValidRange(1)]
        public int? Limit { get; set; }
        [CommandOption("--model <DIR>")] [Description("Base model: also rank likely label errors by K-fold cross-validated LoRA (each fold a sweep trial in its own process).")]
        public string? Model { get; set; }
        [CommandOption("--folds <K>")] [Description("Cross-validation folds with --model (in [[2, 20]]).")] [DefaultValue(5)] [ValidRange(2, 20)]
        public int Folds { get; set; } = 5;
        [CommandOption("--max-steps <N>")] [Description("Training steps per fold with --model (≥ 1).")] [DefaultValue(300L)] [ValidRange(1)]
        public long MaxSteps { get; set; } = 300;
        [CommandOption("--rank <R>")] [Description("LoRA rank of the fold models (≥ 1).")] [DefaultValue(8)] [ValidRange(1)]
        public int Rank { get; set; } = 8;
        [CommandOption("--batch-size <B>")] [Description("Fold training batch size (≥ 1).")] [DefaultValue(8)] [ValidRange(1)]
        public int BatchSize { get; set; } = 8;
        [CommandOption("--lr <LR>")] [Description("Fold training learning rate (> 0; default: LoRA's own).")] [ValidRange(0, MinOpen = true)]
        public double? Lr { get; set; }
        [CommandOption("--rank-by <SIGNAL>")] [Description("What orders the held-out labels with --model: gain (how little the source lowers the label's loss; the default, best measured), loss, own-summary (1 − ROUGE-L of the fold model's own summary) or combined (their mean percentile). With --resume the folds are not run again.")]
        [DefaultValue(CrossValidation.DefaultRankBy)] [OneOf("gain", "loss", "own-summary", "combined")]
        public string RankBy { get; set; } = CrossValidation.DefaultRankBy;
        [CommandOption("--seed <N>")] [Description("Seed of the fold split and the fold training (≥ 0).")] [DefaultValue(0)] [ValidRange(0)]
        public int Seed { get; set; }
        [CommandOption("--template <TEXT>")] [Description("Prompt template of the pairs (its answer marker is what a format injection imitates; passed to the fold training).")]
        [DefaultValue(SftDataOptions.DefaultPairTemplate)]
        public string Template { get; set; } = SftDataOptions.DefaultPairTemplate;
        [CommandOption("--near-duplicate <J>")] [Description("Near duplicates (and conflicting answers, leakage): Jaccard of word 3-shingles at or above this (in (0, 1]]).")] [DefaultValue(0.8)] [ValidRange(0, 1, MinOpen = true)]
        public double NearDuplicate { get; set; } = 0.8;
        [CommandOption("--length-z <Z>")] [Description("Length-ratio outliers: robust |z| of log(answer/source chars) at or above this (> 0).")] [DefaultValue(3.5)] [ValidRange(0, MinOpen = true)]
        public double LengthZ { get; set; } = 3.5;
        [CommandOption("--unsupported <RATE>")] [Description("Unsupported label: share of the answer's content tokens absent from the source at or above this (in (0, 1]]).")] [DefaultValue(1.0)] [ValidRange(0, 1, MinOpen = true)]
        public double Unsupported { get; set; } = 1.0;
        [CommandOption("--model-flag-share <P>")] [Description("With --model: flag this top share of the model ranking (in [[0, 1]]).")] [DefaultValue(0.05)] [ValidRange(0, 1)]
        public double ModelFlagShare { get; set; } = 0.05;
        [CommandOption("--clean-min-score <S>")] [Description("--write-clean drops examples whose audit score is at or above this (in (0, 1]]).")] [DefaultValue(0.5)] [ValidRange(0, 1, MinOpen = true)]
        public double CleanMinScore { get; set; } = 0.5;
        [CommandOption("--write-clean <FILE>")] [Description("Write the data minus the dropped examples here (the original lines; never the --data file itself).")] [OutputPath(isFile: true)]
        public string? WriteClean { get; set; }
        [CommandOption("--planted <FILE>")] [Description("A `data plant` record: measure each detector's precision and recall (and the model's precision@k) against it.")]
        public string? Planted { get; set; }
        [CommandOption("--worst <N>")] [Description("Flagged examples shown on the HTML page (≥ 1).")] [DefaultValue(100)] [ValidRange(1)]
        public int Worst { get; set; } = 100;
        [CommandOption("--out <DIR>")] [Description("Output folder: audit.jsonl, model-scores.jsonl, summary.json, index.html, folds/. Required.")] [OutputPath]
        public string Out { get; set; } = "";
        [CommandOption("--resume")] [Description("Continue an audit in --out (finished folds are not run again).")]
        public bool Resume { get; set; }
        [CommandOption("--force")] [Description("Replace a previous audit in --out.")]
        public bool Force { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Data == "" ? Spectre.Console.ValidationResult.Error("--data JSONL is required")
            : Out == "" ? Spectre.Console.ValidationResult.Error("--out DIR is required")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var stop = Cancellation.Listen(cancel);
        var train = new Dictionary<string, string>();
        if (s.Lr is { } lr) train["lr"] = lr.ToString("R", CultureInfo.InvariantCulture);
        if (s.Template != SftDataOptions.DefaultPairTemplate) train["template"] = s.Template;
        var request = new AuditRequest
        {
            Data = s.Data, Dev = s.Dev, Out = s.Out, WriteClean = s.WriteClean, Planted = s.Planted, Limit = s.Limit, Worst = s.Worst,
            Options = new AuditOptions
            {
                NearDuplicateJaccard = s.NearDuplicate, LengthRatioZ = s.LengthZ, UnsupportedTokenRate = s.Unsupported,
                ModelFlagShare = s.ModelFlagShare, CleanMinScore = s.CleanMinScore, PairTemplate = s.Template,
            },
            Model = s.Model is null ? null : new CrossValidationOptions
            {
                Model = s.Model, Folds = s.Folds, MaxSteps = s.MaxSteps, Rank = s.Rank, BatchSize = s.BatchSize, Seed = s.Seed, Train = train, RankBy = s.RankBy,
            },
        };
        AuditRunner.CheckPaths(request);
        foreach (var (option, path) in new[] { ("--data", s.Data), ("--dev", s.Dev), ("--planted", s.Planted) })
            if (path is not null && !File.Exists(path)) throw new SharpTuneException($"{option} {path}: file not found");
        if (s.Model is { } m && !File.Exists(Path.Combine(m, "config.json"))) throw new SharpTuneException($"--model {m}: no config.json (expected a model folder)");
        OutputFolder.StartRun(s.Out, s.Resume, s.Force, [("--data", s.Data), ("--dev", s.Dev), ("--model", s.Model), ("--planted", s.Planted), ("--write-clean", s.WriteClean)]);
        try
        {
            var result = AuditRunner.Run(request, log: Console.WriteLine, cancel: stop.Token);
            Console.WriteLine($"{result.Examples:N0} examples, {result.Entries.Count:N0} flagged → {result.AuditPath}, {result.PagePath}");
            foreach (var g in result.Entries.SelectMany(e => e.Reasons.Select(r => r.Kind).Distinct()).GroupBy(k => k).OrderByDescending(g => g.Count()))
                Console.WriteLine($"  {g.Key,-22} {g.Count(),7:N0}");
            if (result.Kept is int kept) Console.WriteLine($"kept {kept:N0} of {result.Examples:N0} → {s.WriteClean}");
            if (result.Planted is { } p)
            {
                Console.WriteLine($"planted: {string.Join(", ", p.Planted.Select(kv => $"{kv.Key} {kv.Value}"))}");
                foreach (var d in p.Detectors.Where(d => d.Flagged > 0).OrderBy(d => d.Kind, StringComparer.Ordinal))
                    Console.WriteLine($"  {d.Kind,-22} flagged {d.Flagged,6} precision {d.Precision:0.00}  recall {string.Join(" ", d.Recall.Select(kv => $"{kv.Key} {kv.Value:0.00}"))}");
                Console.WriteLine($"  any model-free finding: recall {string.Join(" ", p.AnyRecall.Select(kv => $"{kv.Key} {kv.Value:0.00}"))}");
                if (p.ModelPrecisionAtK is { } atK) Console.WriteLine($"  model precision@k: {string.Join(", ", atK.Select(kv => $"@{kv.Key} {kv.Value:0.00}"))}");
                if (p.ModelPrecisionBySignal is { } bySignal) Console.WriteLine($"  each signal alone, precision@planted: {string.Join(", ", bySignal.Select(kv => $"{kv.Key} {kv.Value:0.00}"))}");
            }
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine("audit stopped; --resume continues the folds");
            return stop.ExitCode;
        }
        return 0;
    }
}
