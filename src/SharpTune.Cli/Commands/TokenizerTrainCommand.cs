using System.ComponentModel;
using SharpTune.IO;
using SharpTune.Recipes;
using SharpTune.Tokenization;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class TokenizerTrainCommand : Command<TokenizerTrainCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--input <FILES>")] [Description("Text files (documents separated by blank lines); repeatable. Required.")]
        public string[] Input { get; set; } = [];

        [CommandOption("--vocab-size <N>")] [Description("Vocabulary size including the 256 byte tokens and the special tokens (≥ 260).")] [DefaultValue(8192)] [ValidRange(260)]
        public int VocabSize { get; set; } = 8192;

        [CommandOption("--min-frequency <N>")] [Description("Merge only pairs seen at least this often (≥ 1).")] [DefaultValue(2)] [ValidRange(1)]
        public int MinFrequency { get; set; } = 2;

        [CommandOption("--out <DIR>")] [Description("Folder to write tokenizer.json and tokenizer_config.json to (must not be an existing file). Required.")] [OutputPath]
        public string Out { get; set; } = "";

        [CommandOption("--force")] [Description("Replace an existing tokenizer folder at --out instead of refusing.")]
        public bool Force { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Input.Length == 0 || Out == "" ? Spectre.Console.ValidationResult.Error("--input FILE and --out DIR are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var inputs = s.Input.Select(f => ("--input", (string?)f)).ToList();
        OutputFolder.Write(s.Out, s.Force, inputs, dir =>
            BpeTrainer.Train(s.Input.SelectMany(TextCorpus.Documents), new BpeTrainerOptions { VocabSize = s.VocabSize, MinFrequency = s.MinFrequency }, dir));
        var tok = Tokenizer.Load(s.Out);
        Console.WriteLine($"wrote a byte-level BPE tokenizer with {tok.VocabSize:N0} tokens to {s.Out}");
        return 0;
    }
}
