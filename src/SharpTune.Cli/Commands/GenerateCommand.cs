using System.ComponentModel;
using System.Text;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;
using static TorchSharp.torch;
using ValidationResult = Spectre.Console.ValidationResult;

namespace SharpTune.Cli.Commands;

public sealed class GenerateCommand : Command<GenerateCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--prompt <TEXT>")] [Description("Prompt text (needs a tokenizer.json).")]
        public string? Prompt { get; set; }

        [CommandOption("--input-ids <IDS>")] [Description("Prompt as token ids, e.g. 1,2,3 (for models without a tokenizer).")]
        public string? InputIds { get; set; }

        [CommandOption("--tokenizer <DIR>")] [Description("Tokenizer folder; defaults to the model folder.")]
        public string? Tokenizer { get; set; }

        [CommandOption("--adapter <DIR>")] [Description("PEFT adapter folder (LoRA, prompt/prefix tuning) to apply.")]
        public string? Adapter { get; set; }

        [CommandOption("--chat")] [Description("Wrap the prompt as a user turn with the tokenizer's chat template.")]
        public bool Chat { get; set; }

        [CommandOption("--system <TEXT>")] [Description("System message for --chat.")] [AllowEmpty]
        public string? System { get; set; }

        [CommandOption("--max-new-tokens <N>")] [Description("Most tokens to generate (≥ 1).")] [DefaultValue(128)] [ValidRange(1)]
        public int MaxNewTokens { get; set; } = 128;

        [CommandOption("--temperature <T>")] [Description("Sampling temperature (≥ 0); 0 (default) is greedy.")] [DefaultValue(0.0)] [ValidRange(0)]
        public double Temperature { get; set; }

        [CommandOption("--top-k <K>")] [Description("Sample only from the K most likely tokens (≥ 0; 0: no limit).")] [DefaultValue(0)] [ValidRange(0)]
        public int TopK { get; set; }

        [CommandOption("--top-p <P>")] [Description("Nucleus sampling: the smallest set of tokens with this much probability, in (0, 1]]; 1 keeps all.")] [DefaultValue(1.0)] [ValidRange(0, 1, MinOpen = true)]
        public double TopP { get; set; } = 1.0;

        [CommandOption("--repetition-penalty <P>")] [Description("Divide the logits of tokens already present by this (> 0; 1: off; HF semantics).")] [DefaultValue(1.0)] [ValidRange(0, MinOpen = true)]
        public double RepetitionPenalty { get; set; } = 1.0;

        [CommandOption("--stop <TEXT>")] [Description("Stop when this non-empty text appears (repeatable; needs a tokenizer).")]
        public string[] Stop { get; set; } = [];

        [CommandOption("--seed <N>")] [Description("Sampling seed (≥ 0; default: random).")] [ValidRange(0)]
        public long? Seed { get; set; }

        [CommandOption("--no-cache")] [Description("Recompute the whole sequence every step.")]
        public bool NoCache { get; set; }

        [CommandOption("--print-ids")] [Description("Print the generated ids as JSON instead of text.")]
        public bool PrintIds { get; set; }

        public override ValidationResult Validate() =>
            base.Validate() is { Successful: false } invalid ? invalid
            : (Prompt is null) == (InputIds is null) ? ValidationResult.Error("give exactly one of --prompt TEXT or --input-ids 1,2,3")
            : Chat && Prompt is null ? ValidationResult.Error("--chat needs --prompt TEXT")
            : System is not null && !Chat ? ValidationResult.Error("--system needs --chat (the system message goes through the chat template)")
            // Sampling filters do nothing under greedy decoding; a user who sets them expects sampling.
            : Temperature == 0 && TopK != 0 ? ValidationResult.Error($"--top-k {TopK} has no effect without --temperature > 0 (greedy)")
            : Temperature == 0 && TopP != 1.0 ? ValidationResult.Error($"--top-p {TopP.ToString(global::System.Globalization.CultureInfo.InvariantCulture)} has no effect without --temperature > 0 (greedy)")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        // Ids are checked before the model loads, so a typo costs nothing.
        int[]? ids = s.InputIds is null ? null : Parse.Ids(s.InputIds, "--input-ids");
        var device = Devices.Parse(s.Device);
        using var model = ModelIO.Load(s.Model, device, ModelIO.ParseDType(s.DType));
        var tokDir = s.Tokenizer ?? s.Model;
        Tokenizer? tok = File.Exists(Path.Combine(tokDir, Tokenizer.FileName)) ? Tokenizer.Load(tokDir) : null;
        if (s.Tokenizer is not null && tok is null) throw new SharpTuneException($"{tokDir}: no tokenizer.json");

        int[] prompt;
        if (ids is not null) prompt = ids;
        else
        {
            if (tok is null) throw new SharpTuneException($"{s.Model}: no tokenizer.json for --prompt (pass --tokenizer DIR, or --input-ids)");
            if (s.Chat)
            {
                var messages = new List<ChatMessage>();
                if (s.System is not null) messages.Add(new ChatMessage("system", s.System));
                messages.Add(new ChatMessage("user", s.Prompt!));
                prompt = tok.Encode(tok.Render(messages, addGenerationPrompt: true), addSpecialTokens: false);
            }
            else prompt = tok.Encode(s.Prompt!);
        }
        if (prompt.Length == 0) throw new SharpTuneException("the prompt encodes to no tokens");
        if (prompt.Max() >= model.Config.VocabSize || prompt.Min() < 0)
            throw new SharpTuneException($"prompt ids must be in [0, {model.Config.VocabSize}) for this model");

        var eos = model.Config.EosTokenIds.Concat(GenerationConfig.EosIds(s.Model)).ToHashSet();
        if (tok?.EosTokenId is int te) eos.Add(te);
        var options = new GenerationOptions
        {
            MaxNewTokens = s.MaxNewTokens,
            DoSample = s.Temperature > 0,
            Temperature = s.Temperature > 0 ? s.Temperature : 1.0,
            TopK = s.TopK,
            TopP = s.TopP,
            RepetitionPenalty = s.RepetitionPenalty,
            StopStrings = s.Stop,
            EosTokenIds = eos.ToArray(),
            Seed = s.Seed,
            UseCache = !s.NoCache,
            PadTokenId = model.Config.PadTokenId ?? 0,
        };
        using var adapted = s.Adapter is null ? null : SharpTune.Adapters.AdapterIO.Load(s.Adapter, model);
        var generator = new TextGenerator((ILanguageModel?)adapted ?? model, tok is null ? null : ids => tok.Decode(ids, skipSpecialTokens: true));
        var stream = new StreamPrinter(tok, !s.PrintIds);
        var result = generator.Generate([prompt], options, (_, t) => stream.Add(t), cancel)[0];
        if (s.PrintIds) Console.WriteLine("[" + string.Join(",", result.Tokens) + "]");
        else stream.Finish(result);
        Console.Error.WriteLine($"[{result.Tokens.Length} tokens, finish: {result.FinishReason}]");
        return 0;
    }

    /// <summary>Prints text as tokens arrive, holding back a tail that is still an incomplete UTF-8 sequence.</summary>
    private sealed class StreamPrinter(Tokenizer? tok, bool enabled)
    {
        private readonly List<int> _ids = new();
        private int _printed;

        public void Add(int token)
        {
            if (!enabled || tok is null) return;
            _ids.Add(token);
            var text = tok.Decode(_ids, skipSpecialTokens: true);
            if (text.EndsWith('\uFFFD') || text.Length <= _printed) return;
            Console.Write(text[_printed..]);
            _printed = text.Length;
        }

        public void Finish(GenerationResult r)
        {
            if (tok is null) { Console.WriteLine("[" + string.Join(",", r.Tokens) + "]"); return; }
            // The final text (cut at a stop string) may be shorter than what was streamed; print only what is missing.
            var text = r.Text ?? "";
            if (text.Length > _printed) Console.Write(text[_printed..]);
            Console.WriteLine();
        }
    }
}
