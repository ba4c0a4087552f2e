using System.ComponentModel;
using SharpTune.Recipes;
using SharpTune.Tokenization;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class TokenizerTrainCommand : Command<TokenizerTrainCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--input <FILES>")] [Description("Text files (documents separated by blank lines); repeatable.")]
        public string[] Input { get; set; } = [];

        [CommandOption("--vocab-size <N>")] [DefaultValue(8192)]
        public int VocabSize { get; set; } = 8192;

        [CommandOption("--min-frequency <N>")] [DefaultValue(2)]
        public int MinFrequency { get; set; } = 2;

        [CommandOption("--out <DIR>")]
        public string Out { get; set; } = "";

        public override Spectre.Console.ValidationResult Validate() =>
            Input.Length == 0 || Out == "" ? Spectre.Console.ValidationResult.Error("--input FILE and --out DIR are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        BpeTrainer.Train(s.Input.SelectMany(TextCorpus.Documents), new BpeTrainerOptions { VocabSize = s.VocabSize, MinFrequency = s.MinFrequency }, s.Out);
        var tok = Tokenizer.Load(s.Out);
        Console.WriteLine($"wrote a byte-level BPE tokenizer with {tok.VocabSize:N0} tokens to {s.Out}");
        return 0;
    }
}
