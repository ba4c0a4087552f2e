using System.ComponentModel;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`sharptune extract INPUT`: the cleaned text summarize would read (page article, de-duplicated transcript, text).</summary>
public sealed class ExtractCommand : Command<ExtractCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandArgument(0, "<INPUT>")]
        [Description("A saved HTML page (.html/.htm), a transcript (.srt, .vtt), a text file, or - for standard input; the encoding (UTF-8/16, legacy code pages) is detected.")]
        public string Input { get; set; } = "";

        [CommandOption("--timestamps")] [Description("Transcripts: start paragraphs with their coarse time, [[mm:ss]] (at most about one per 30 s, or per speaker/pause).")]
        public bool Timestamps { get; set; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var doc = RetellInput.Read(s.Input);
        Console.Out.Write(doc.Render(s.Timestamps) + "\n");
        return 0;
    }
}
