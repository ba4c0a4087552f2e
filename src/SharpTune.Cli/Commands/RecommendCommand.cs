using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.IO;
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
        var r = Recommender.Recommend(TrialsFile.Read(path), options, path);
        Console.Write(s.Json ? r.ToJson() + "\n" : r.ToText());
        // Nothing passing the limits is an answer, but not a success: scripts must not ship anything.
        return r.Recommended is null ? 1 : 0;
    }
}
