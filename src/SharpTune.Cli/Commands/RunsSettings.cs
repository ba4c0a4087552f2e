using System.ComponentModel;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>Options shared by the `runs` commands: which experiment store to read, and whether to print JSON.</summary>
public class RunsSettings : SharpTune.Cli.Options.CheckedSettings
{
    [CommandOption("--store <FILE>")]
    [Description("Experiment store (SQLite file). Default: $SHARPTUNE_STORE, else runs/sharptune.db under the current folder.")]
    public string? Store { get; set; }

    [CommandOption("--json")]
    [Description("Print one JSON document instead of a table.")]
    public bool Json { get; set; }
}
