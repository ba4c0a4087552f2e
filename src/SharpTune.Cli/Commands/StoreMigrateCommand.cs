using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.IO;
using SharpTune.Study;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune store migrate --from sqlite:runs/sharptune.db --to postgresql://USER@HOST:PORT/DB`: copies every run
/// and its steps, oldest first; a run already in the target is replaced by the source's (so a second migrate is a
/// no-op, and an interrupted one can simply be run again).
/// </summary>
public sealed class StoreMigrateCommand : Command<StoreMigrateCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--from <STORE>")] [Description("The source store: an SQLite file (sqlite:PATH or PATH) or postgresql://… URI. Required.")]
        public string From { get; set; } = "";
        [CommandOption("--to <STORE>")] [Description("The target store (created and migrated on first use). Required.")]
        public string To { get; set; } = "";

        public override Spectre.Console.ValidationResult Validate() =>
            From == "" || To == "" ? Spectre.Console.ValidationResult.Error("--from STORE and --to STORE are required")
            : From == To ? Spectre.Console.ValidationResult.Error("--from and --to name the same store")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var from = ExperimentStores.Open(s.From, create: false);
        using var to = ExperimentStores.Open(s.To);
        var (runs, steps) = Copy(from, to);
        Console.WriteLine($"copied {runs} run(s) and {steps} step record(s) from {ExperimentStores.Redact(s.From)} to {ExperimentStores.Redact(s.To)}");
        return 0;
    }

    public static (int Runs, int Steps) Copy(IExperimentStore from, IExperimentStore to)
    {
        int runs = 0, steps = 0;
        foreach (var run in from.List())
        {
            to.Upsert(run);
            var s = from.Steps(run.Id);
            if (s.Count > 0) to.AddSteps(run.Id, s);
            runs++;
            steps += s.Count;
        }
        return (runs, steps);
    }
}
