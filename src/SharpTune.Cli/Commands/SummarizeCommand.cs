using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpTune.Adapters;
using SharpTune.Cli.Options;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Retelling;
using SharpTune.Tokenization;
using Spectre.Console.Cli;
using ValidationResult = Spectre.Console.ValidationResult;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune summarize`: a retelling of pages, transcripts or text by a model (+ adapter), map-reduce over chunks
/// that fit its context. Prompt template, lengths and stop strings come from the adapter's sharptune_task.json, as in eval.
/// </summary>
public sealed class SummarizeCommand : Command<SummarizeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandArgument(0, "<INPUT>")]
        [Description("One or more inputs, each retold on its own: saved HTML pages, transcripts (.srt, .vtt), text files, or - for standard input.")]
        public string[] Inputs { get; set; } = [];

        [CommandOption("--adapter <DIR>")] [Description("PEFT adapter folder (or a full model folder written by train) over --model, e.g. models/retell-manpages.")]
        public string? Adapter { get; set; }

        [CommandOption("--json")] [Description("Print one JSON object per input: {input, summary, chunks: [[{text_chars, summary}]], timings: {…}}.")]
        public bool Json { get; set; }

        [CommandOption("--timestamps")] [Description("Transcripts: also give each chunk's summary with the time its chunk starts, [[mm:ss]].")]
        public bool Timestamps { get; set; }

        [CommandOption("--max-new-tokens <N>")] [Description("Most tokens per summary (≥ 1; default: the adapter's recorded max_new_tokens, else 32).")] [ValidRange(1)]
        public int? MaxNewTokens { get; set; }

        [CommandOption("--context <N>")]
        [Description("Tokens of prompt + answer per model call (≥ 16; default: the adapter's trained max_length, at most the model's context).")]
        [ValidRange(16)]
        public int? Context { get; set; }

        [CommandOption("--template <TEXT>")] [Description("Prompt with {source} or {source_indented}; default: the adapter's recorded template, else the built-in one.")]
        public string? Template { get; set; }

        [CommandOption("--repetition-penalty <P>")]
        [Description("Divide the logits of tokens already in the prompt or summary by this (> 0; 1: off, greedy as eval; small models loop less at 1.2–1.5).")]
        [DefaultValue(1.0)] [ValidRange(0, MinOpen = true)]
        public double RepetitionPenalty { get; set; } = 1.0;

        [CommandOption("--batch-size <B>")] [Description("Chunks summarised together (≥ 1).")] [DefaultValue(8)] [ValidRange(1)]
        public int BatchSize { get; set; } = 8;

        public override ValidationResult Validate() =>
            Inputs.Length == 0 ? ValidationResult.Error("give at least one INPUT (a file, or - for standard input)")
            : Inputs.Count(i => i == TokenizeCommand.StdinMarker) > 1 ? ValidationResult.Error("- (standard input) can be given only once")
            : Template is not null && !Template.Contains("{source}") && !Template.Contains("{source_indented}") ? ValidationResult.Error("--template: expected {source} or {source_indented} in the prompt")
            : base.Validate();
    }

    private sealed record ChunkJson(
        [property: JsonPropertyName("text_chars")] int TextChars,
        [property: JsonPropertyName("summary")] string Summary,
        [property: JsonPropertyName("start"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Start);

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var total = Stopwatch.StartNew();
        // Inputs are read (and refused) before the model loads: a typo costs nothing.
        var docs = s.Inputs.Select(RetellInput.Read).ToList();
        double readSeconds = total.Elapsed.TotalSeconds;

        var task = (s.Adapter is null ? null : TaskSettings.Load(s.Adapter)) ?? TaskSettings.Load(s.Model) ?? new TaskSettings();
        var clock = Stopwatch.StartNew();
        var device = Devices.Parse(s.Device);
        var tok = Tokenizer.Load(s.Adapter is not null && File.Exists(Path.Combine(s.Adapter, Tokenizer.FileName)) ? s.Adapter : s.Model);
        using var trained = TrainedModel.Load(s.Model, s.Adapter, device, ModelIO.ParseDType(s.DType));
        double loadSeconds = clock.Elapsed.TotalSeconds;

        int maxNew = s.MaxNewTokens ?? task.MaxNewTokens;
        int ctx = Math.Min(s.Context ?? task.MaxLength, trained.Base.Config.MaxPositions);
        if (ctx <= maxNew + 8)
            throw new SharpTuneException($"--context {ctx}: expected more than --max-new-tokens ({maxNew}) + 8 tokens, to leave room for the text");
        var summarizer = new ModelSummarizer(trained.Model, tok, s.Template ?? task.PairTemplate, ctx, maxNew, task.Stop, s.BatchSize, s.RepetitionPenalty);

        bool many = docs.Count > 1;
        foreach (var doc in docs)
        {
            clock.Restart();
            var result = ProgressView.RunCounted($"summarize {Path.GetFileName(doc.Name)}",
                progress => MapReduce.Run(summarizer, doc.Paragraphs.Select(p => p.Text).ToList(), progress, cancel));
            string? Start(ChunkSummary c) => s.Timestamps && doc.Paragraphs[c.FirstParagraph].Start is TimeSpan t ? ExtractedDocument.Stamp(t) : null;
            if (s.Json)
            {
                var json = new Dictionary<string, object?>
                {
                    ["input"] = doc.Name, ["kind"] = doc.Kind.ToString().ToLowerInvariant(), ["encoding"] = doc.Decoded.Encoding,
                    ["text_chars"] = doc.Characters, ["summary"] = result.Summary,
                    ["chunks"] = result.Chunks.Select(c => new ChunkJson(c.Text.Length, c.Summary, Start(c))).ToList(),
                    ["reduce_levels"] = result.ReduceLevels, ["model_calls"] = result.ModelCalls,
                    ["timings"] = new Dictionary<string, double>
                    {
                        ["read_s"] = Math.Round(readSeconds, 3), ["load_s"] = Math.Round(loadSeconds, 3), ["map_s"] = Math.Round(result.MapSeconds, 3),
                        ["reduce_s"] = Math.Round(result.ReduceSeconds, 3), ["summarize_s"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
                        ["total_s"] = Math.Round(total.Elapsed.TotalSeconds, 3),
                    },
                };
                Console.Out.Write(JsonSerializer.Serialize(json) + "\n");
                continue;
            }
            if (many) Console.Out.Write($"== {doc.Name} ==\n");
            Console.Out.Write(result.Summary + "\n");
            if (s.Timestamps && result.Chunks.Count > 1)
                foreach (var c in result.Chunks)
                    Console.Out.Write((Start(c) is string at ? $"[{at}] " : "") + c.Summary + "\n");
            if (many) Console.Out.Write("\n");
        }
        return 0;
    }
}
