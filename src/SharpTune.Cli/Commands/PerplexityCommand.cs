using System.ComponentModel;
using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Recipes;
using SharpTune.Tokenization;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>Perplexity on a corpus, by the same definition pretraining uses for its dev split.</summary>
public sealed class PerplexityCommand : Command<PerplexityCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--data <FILE>")]
        [Description("Required. Corpus file(s): plain text with documents separated by blank lines, or .jsonl {id, source, summary} pairs, read as Debian control stanzas (as `corpus debian` writes them). Repeatable.")]
        public string[] Data { get; set; } = [];

        [CommandOption("--block-size <N>")]
        [Description("Non-overlapping block length in tokens (≥ 2; at most the model's max_position_embeddings).")] [ValidRange(2)]
        [DefaultValue(512)]
        public int BlockSize { get; set; } = 512;

        public override Spectre.Console.ValidationResult Validate() =>
            Data.Length == 0 ? Spectre.Console.ValidationResult.Error("--data FILE is required")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var device = Devices.Parse(s.Device);
        var tok = Tokenizer.Load(s.Model);
        var documents = s.Data.SelectMany(f => f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)
            ? JsonlReader.ReadPairs(f).Select(DebianStanza.Format) : TextCorpus.Documents(f)).ToList();
        if (documents.Count == 0) throw new SharpTuneException($"{string.Join(", ", s.Data)}: no documents (expected text separated by blank lines, or .jsonl pairs)");
        using var model = ModelIO.Load(s.Model, device, ModelIO.ParseDType(s.DType));
        if (s.BlockSize > model.Config.MaxPositions)
            throw new SharpTuneException($"--block-size {s.BlockSize} exceeds the model's max_position_embeddings {model.Config.MaxPositions}");
        var source = CorpusPerplexity.Source(documents, tok, s.BlockSize, device);
        var r = CorpusPerplexity.Compute(model, source);
        Console.WriteLine($"{documents.Count:N0} documents, {r.Tokens:N0} tokens ({r.ScoredTokens:N0} scored): loss {r.Loss:F4}, perplexity {r.Perplexity:F2}");
        return 0;
    }
}
