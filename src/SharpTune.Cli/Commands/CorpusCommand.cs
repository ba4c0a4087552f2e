using System.ComponentModel;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>Writes {id, source, summary} pairs as Debian control stanzas, one document per blank-line-separated block.</summary>
public sealed class CorpusDebianCommand : Command<CorpusDebianCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--input <JSONL>")] [Description("{id, source, summary} pairs, one JSON object per line. Required.")] public string Input { get; set; } = "";
        [CommandOption("--out <FILE>")] [Description("Text file to write (documents separated by blank lines; must not be an existing folder). Required.")] [OutputPath(isFile: true)] public string Out { get; set; } = "";

        public override Spectre.Console.ValidationResult Validate() =>
            Input == "" || Out == "" ? Spectre.Console.ValidationResult.Error("--input JSONL and --out FILE are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var pairs = JsonlReader.ReadPairs(s.Input);
        AtomicFile.WriteAllText(s.Out, string.Join("\n", pairs.Select(DebianStanza.Format)));
        Console.WriteLine($"wrote {pairs.Count:N0} stanzas to {s.Out}");
        return 0;
    }
}
