using System.ComponentModel;
using SharpTune.Audit;
using SharpTune.Audit.Planting;
using SharpTune.Cli.Options;
using SharpTune.Data;
using SharpTune.IO;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`sharptune data plant`: a copy of a data set with errors of known kinds planted, and the record of what was planted where.</summary>
public sealed class DataPlantCommand : Command<DataPlantCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--data <JSONL>")] [Description("{id?, source, summary} lines to copy. Required.")]
        public string Data { get; set; } = "";
        [CommandOption("--limit <N>")] [Description("Use only the first N examples (≥ 8; default: all).")] [ValidRange(8)]
        public int? Limit { get; set; }
        [CommandOption("--rate <P>")] [Description("Share of examples to corrupt, split evenly over swap, truncate, conflict and inject (in (0, 0.5]]).")] [DefaultValue(0.02)] [ValidRange(0, 0.5, MinOpen = true)]
        public double Rate { get; set; } = 0.02;
        [CommandOption("--seed <N>")] [Description("Seed of the choice and the corruption (≥ 0).")] [DefaultValue(0)] [ValidRange(0)]
        public int Seed { get; set; }
        [CommandOption("--template <TEXT>")] [Description("Prompt template (a format injection imitates its answer marker).")] [DefaultValue(SftDataOptions.DefaultPairTemplate)]
        public string Template { get; set; } = SftDataOptions.DefaultPairTemplate;
        [CommandOption("--out <FILE>")] [Description("The planted copy (never --data). Required.")] [OutputPath(isFile: true)]
        public string Out { get; set; } = "";
        [CommandOption("--record <FILE>")] [Description("What was planted: JSONL {line, id, kind, detail} (default: OUT with .planted.jsonl).")] [OutputPath(isFile: true)]
        public string? Record { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Data == "" ? Spectre.Console.ValidationResult.Error("--data JSONL is required")
            : Out == "" ? Spectre.Console.ValidationResult.Error("--out FILE is required")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        if (File.Exists(s.Data) && File.Exists(s.Out) && OutputFolder.RealPath(s.Data) == OutputFolder.RealPath(s.Out))
            throw new SharpTuneException($"--out {s.Out}: is the same file as --data; planting never writes its input");
        var record = s.Record ?? Path.ChangeExtension(s.Out, null) + ".planted.jsonl";
        var data = AuditData.Read(s.Data, s.Limit);
        var (examples, planted) = ErrorPlanter.Plant(data, s.Rate, s.Seed, s.Template);
        ErrorPlanter.WriteData(s.Out, examples);
        ErrorPlanter.WriteRecord(record, planted);
        Console.WriteLine($"{examples.Count:N0} examples → {s.Out}; planted {string.Join(", ", planted.GroupBy(p => p.Kind).Select(g => $"{g.Key} {g.Count()}"))} → {record}");
        return 0;
    }
}
