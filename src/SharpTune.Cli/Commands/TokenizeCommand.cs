using System.ComponentModel;
using SharpTune.Tokenization;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class TokenizeCommand : Command<TokenizeCommand.Settings>
{
    public const string StdinMarker = "\u0001stdin";

    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--tokenizer <DIR>")] [Description("Folder with tokenizer.json (or the file itself). Required.")]
        public string Tokenizer { get; set; } = "";

        [CommandOption("--no-special")] [Description("Do not add special tokens (BOS…).")]
        public bool NoSpecial { get; set; }

        [CommandOption("--decode <IDS>")] [Description("Decode comma-separated ids (each in [[0, vocabulary size)) to text instead.")]
        public string? Decode { get; set; }

        [CommandOption("--skip-special")] [Description("With --decode: drop special tokens.")]
        public bool SkipSpecial { get; set; }

        [CommandArgument(0, "[TEXT]")] [Description("Text to encode, or - for standard input.")]
        public string? Text { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Tokenizer) ? Spectre.Console.ValidationResult.Error("--tokenizer DIR is required")
            : (Text is null) == (Decode is null) ? Spectre.Console.ValidationResult.Error("give exactly one of TEXT, - (stdin) or --decode IDS")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var tok = Tokenizer.Load(s.Tokenizer);
        if (s.Decode is not null)
        {
            Console.WriteLine(tok.Decode(Parse.Ids(s.Decode, "--decode", tok.VocabSize), s.SkipSpecial));
            return 0;
        }
        var text = s.Text == StdinMarker ? Console.In.ReadToEnd() : s.Text!;
        Console.WriteLine("[" + string.Join(",", tok.Encode(text, !s.NoSpecial)) + "]");
        return 0;
    }
}
