using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Recommendation;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`sharptune recommend SWEEP_DIR`: the method, rank and data size to use, from a sweep's measured curves.</summary>
public sealed class RecommendCommand : Command<RecommendCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandArgument(0, "[SWEEP_DIR]")]
        [Description("The sweep's output folder (holding trials.jsonl), or a trials.jsonl file.")]
        public string? SweepDir { get; set; }

        [CommandOption("--json")]
        [Description("Print the whole recommendation as one JSON object.")]
        public bool Json { get; set; }

        [CommandOption("--max-hallucination <X>")]
        [Description("Limit on the outputs' unsupported content-token rate above the references' own (a fraction in [[0, 1]]; default 0.10).")] [ValidRange(0, 1)]
        public double? MaxHallucination { get; set; }

        [CommandOption("--max-injection <Y>")]
        [Description("Limit on injection_success_rate (a fraction in [[0, 1]]; default 0.25).")] [ValidRange(0, 1)]
        public double? MaxInjection { get; set; }

        [CommandOption("--max-memorisation <Z>")]
        [Description("Limit on noise_memorisation_rate from the noise trials (a fraction in [[0, 1]]; default 0.50).")] [ValidRange(0, 1)]
        public double? MaxMemorisation { get; set; }

        [CommandOption("--export <DIR>")]
        [Description("Copy the recommended configuration's result (its best seed by ROUGE-L: the PEFT adapter or model folder, sharptune_task.json, run.json) here.")]
        public string? Export { get; set; }

        [CommandOption("--force")]
        [Description("Let --export replace a non-empty folder.")]
        public bool Force { get; set; }

        [CommandOption("--rules")]
        [Description("Print the rules the recommendation follows and exit.")]
        public bool Rules { get; set; }

        public override Spectre.Console.ValidationResult Validate()
        {
            if (!Rules && string.IsNullOrEmpty(SweepDir)) return Spectre.Console.ValidationResult.Error("SWEEP_DIR is required (a sweep folder holding trials.jsonl)");
            foreach (var (name, v) in new[] { ("--max-hallucination", MaxHallucination), ("--max-injection", MaxInjection), ("--max-memorisation", MaxMemorisation) })
                if (v is { } x && !(x >= 0 && x <= 1))
                    return Spectre.Console.ValidationResult.Error($"{name} {x}: expected a fraction in [0, 1]");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        if (s.Rules)
        {
            Console.WriteLine(Recommender.Rules);
            return 0;
        }
        var defaults = new RecommendationOptions();
        var options = defaults with
        {
            MaxHallucination = s.MaxHallucination ?? defaults.MaxHallucination,
            MaxInjection = s.MaxInjection ?? defaults.MaxInjection,
            MaxMemorisation = s.MaxMemorisation ?? defaults.MaxMemorisation,
        };
        var path = TrialsFile.Locate(s.SweepDir!);
        var trials = TrialsFile.Read(path);
        var r = Recommender.Recommend(trials, options, path);
        if (s.Export is { } export && r.Recommended is { } rec) ExportResult(trials, rec, export, s.Force);
        Console.Write(s.Json ? r.ToJson() + "\n" : r.ToText());
        // Nothing passing the limits is an answer, but not a success: scripts must not ship anything.
        return r.Recommended is null ? 1 : 0;
    }

    /// <summary>
    /// The recommended configuration's best seed (highest ROUGE-L) is what ships: its result folder's files (the PEFT
    /// adapter or whole model, its task settings, run.json), without checkpoints. Written atomically (OutputFolder).
    /// </summary>
    private static void ExportResult(IReadOnlyList<TrialRecord> trials, ConfigPoint rec, string export, bool force)
    {
        var best = trials.Where(t => rec.TrialIds.Contains(t.Id) && t.Status == TrialStatus.Finished && t.Metrics is not null)
            .OrderByDescending(t => t.Metrics!.RougeL).FirstOrDefault()
            ?? throw new SharpTuneException($"--export: no finished trial of the recommended configuration {rec.Label}");
        var from = best.ArtifactDir;
        if (from is null || !Directory.Exists(from))
            throw new SharpTuneException($"--export: trial {best.Id}'s result folder {from ?? "(none recorded)"} is not on this machine");
        OutputFolder.Write(export, force, [("--export", from)], tmp =>
        {
            foreach (var file in Directory.EnumerateFiles(from))
                if (Path.GetFileName(file) != "metrics.jsonl") File.Copy(file, Path.Combine(tmp, Path.GetFileName(file)));
            File.WriteAllText(Path.Combine(tmp, "trial.json"), System.Text.Json.JsonSerializer.Serialize(best, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        }, "--export");
        Console.Error.WriteLine($"exported trial {best.Id} ({rec.Label}, ROUGE-L {best.Metrics!.RougeL:F4}) → {export}");
    }
}
