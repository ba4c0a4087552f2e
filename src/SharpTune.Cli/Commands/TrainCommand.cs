using System.ComponentModel;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Cli.Options;
using SharpTune.Recipes;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public class Settings : TrainingSettings
    {
        [CommandOption("--model <DIR>")] [Description("Base model folder (Hugging Face format). Required.")]
        public string Model { get; set; } = "";
        [CommandOption("--tokenizer <DIR>")] [Description("Folder with tokenizer.json (default: the model folder).")]
        public string? Tokenizer { get; set; }
        [CommandOption("--data <JSONL>")] [Description("Training examples: {source, summary} pairs, Alpaca {instruction, input, output} or chat {messages}. Required.")]
        public string Data { get; set; } = "";
        [CommandOption("--dev <JSONL>")] [Description("Held-out examples for dev loss (--eval-every) and early stopping.")]
        public string? Dev { get; set; }
        [CommandOption("--dev-limit <N>")] [Description("Use only the first N dev examples (≥ 1; default: all).")] [ValidRange(1)]
        public int? DevLimit { get; set; }
        [CommandOption("--format <FORMAT>")] [Description("Data format: auto (from each line's keys), pairs, alpaca or chat.")] [DefaultValue("auto")]
        [OneOf("auto", "pairs", "alpaca", "chat")]
        public string Format { get; set; } = "auto";
        [CommandOption("--template <TEXT>")] [Description("Prompt for pairs; must contain {source} (the text) or {source_indented} (the text as a Debian description body). Default: {source_indented}Description:")]
        public string? Template { get; set; }
        [CommandOption("--max-length <N>")] [Description("Longest example in tokens, prompt + answer (≥ 8).")] [DefaultValue(512)] [ValidRange(8)]
        public int MaxLength { get; set; } = 512;
        [CommandOption("--overflow <MODE>")] [Description("Over-long examples: truncate (cut the source, keep the answer and the template's tail; the count is reported), skip, or error.")]
        [DefaultValue("truncate")] [OneOf("truncate", "skip", "error")]
        public string Overflow { get; set; } = "truncate";
        [CommandOption("--limit <N>")] [Description("Use only the first N training examples (≥ 1; default: all).")] [ValidRange(1)]
        public int? Limit { get; set; }
        [CommandOption("--batch-size <B>")] [Description("Examples per batch (≥ 1).")] [DefaultValue(8)] [ValidRange(1)]
        public int BatchSize { get; set; } = 8;
        [CommandOption("--packing")] [Description("Pack several examples into each --max-length row instead of padding (each still attends only to itself, with its own positions).")]
        public bool Packing { get; set; }
        [CommandOption("--noise <P>")] [Description("Corrupt this share of training answers on purpose, in [[0, 1]], recorded in OUT/noise.jsonl (the label-noise study; pairs data only).")]
        [DefaultValue(0.0)] [ValidRange(0, 1)]
        public double Noise { get; set; }

        [CommandOption("--method <METHOD>")]
        [Description("prompt-tuning, p-tuning, prefix-tuning, lora, unfreeze or full. Each has its own defaults: --lr and --warmup (see them), prompt tuning's --init text, unfreeze's --last-layers 2.")]
        [DefaultValue("lora")]
        [OneOf("prompt-tuning", "p-tuning", "prefix-tuning", "lora", "unfreeze", "full")]
        public string Method { get; set; } = "lora";
        [CommandOption("--virtual-tokens <N>")] [Description("Prompt/p/prefix tuning: number of virtual tokens (≥ 1).")] [DefaultValue(20)] [ValidRange(1)]
        public int VirtualTokens { get; set; } = 20;
        [CommandOption("--init <KIND>")] [Description("Prompt tuning: text (virtual tokens start as a phrase's token embeddings, see --init-text) or random (PEFT's N(0, 1), 14× the shipped base's embeddings; wants --lr near 1).")]
        [DefaultValue("text")] [OneOf("text", "random")]
        public string Init { get; set; } = "text";
        [CommandOption("--init-text <TEXT>")] [Description("Prompt tuning, --init text: the phrase (default: \"" + MethodDefaults.PromptInitText + "\").")]
        public string? InitText { get; set; }
        [CommandOption("--encoder <KIND>")] [Description("P-tuning encoder: mlp or lstm.")] [DefaultValue("mlp")] [OneOf("mlp", "lstm")]
        public string Encoder { get; set; } = "mlp";
        [CommandOption("--encoder-hidden <N>")] [Description("P-tuning/prefix projection hidden size (≥ 0; 0: the model's hidden size).")] [DefaultValue(0)] [ValidRange(0)]
        public int EncoderHidden { get; set; }
        [CommandOption("--prefix-projection")] [Description("Prefix tuning: reparametrise the prefix through an MLP.")]
        public bool PrefixProjection { get; set; }
        [CommandOption("--rank <R>")] [Description("LoRA rank (≥ 1).")] [DefaultValue(8)] [ValidRange(1)]
        public int Rank { get; set; } = 8;
        [CommandOption("--alpha <A>")] [Description("LoRA alpha (> 0); the update is scaled by alpha/rank (alpha/√rank with --rslora).")] [DefaultValue(16.0)] [ValidRange(0, MinOpen = true)]
        public double Alpha { get; set; } = 16;
        [CommandOption("--lora-dropout <P>")] [Description("LoRA dropout probability, in [[0, 1).")] [DefaultValue(0.05)] [ValidRange(0, 1, MaxOpen = true)]
        public double LoraDropout { get; set; } = 0.05;
        [CommandOption("--targets <NAMES>")] [Description("LoRA: comma-separated module names (e.g. q_proj,v_proj), or all-linear.")] [DefaultValue("q_proj,v_proj")]
        public string Targets { get; set; } = "q_proj,v_proj";
        [CommandOption("--rslora")] [Description("LoRA: rank-stabilised scaling alpha/√rank.")]
        public bool Rslora { get; set; }
        [CommandOption("--dora")] [Description("LoRA: weight-decomposed (DoRA) update.")]
        public bool Dora { get; set; }
        [CommandOption("--last-layers <N>")] [Description("Unfreeze: train the last N transformer layers (≥ 0; with no --layers, --unfreeze or --embeddings either, 2).")] [DefaultValue(0)] [ValidRange(0)]
        public int LastLayers { get; set; }
        [CommandOption("--layers <RANGES>")] [Description("Unfreeze: layer indices to train, e.g. 0-3,10.")]
        public string? Layers { get; set; }
        [CommandOption("--unfreeze <GLOB>")] [Description("Unfreeze: parameter-name glob to train (repeatable), e.g. layers.*.mlp.*, lm_head, norm.")]
        public string[] Unfreeze { get; set; } = [];
        [CommandOption("--embeddings")] [Description("Unfreeze: train the embeddings too.")]
        public bool Embeddings { get; set; }

        protected override bool HasDevData => Dev is not null;

        public override Spectre.Console.ValidationResult Validate() =>
            Model == "" || Data == "" ? Spectre.Console.ValidationResult.Error("--model DIR and --data JSONL are required")
            : Template is not null && !Template.Contains("{source}") && !Template.Contains("{source_indented}")
                ? Spectre.Console.ValidationResult.Error($"--template {Errors.OneLine(Template)}: must contain {{source}} or {{source_indented}} (where the text goes)")
            : Init == "random" && InitText is not null ? Spectre.Console.ValidationResult.Error("--init-text needs --init text (random init uses no text)")
            : base.Validate();

        public FineTuneOptions ToOptions() => new()
        {
            ModelDir = Model, TokenizerDir = Tokenizer, DataPath = Data, DevPath = Dev, DevLimit = DevLimit, BatchSize = BatchSize, Packing = Packing, Device = Device,
            Method = MethodDefaults.Apply(new MethodOptions
            {
                Method = Method, VirtualTokens = VirtualTokens, InitText = InitText, Encoder = Encoder, EncoderHidden = EncoderHidden, PrefixProjection = PrefixProjection,
                Rank = Rank, Alpha = Alpha, Dropout = LoraDropout, Targets = Targets, Rslora = Rslora, Dora = Dora,
                LastLayers = LastLayers, Layers = Layers, Unfreeze = Unfreeze, Embeddings = Embeddings,
            }, randomInit: Init == "random"),
            Data = new SftDataOptions
            {
                Format = Enum.Parse<SftFormat>(Format, ignoreCase: true),
                PairTemplate = Template ?? SftDataOptions.DefaultPairTemplate, MaxLength = MaxLength, Overflow = Overflow,
                Limit = Limit,
            },
            Trainer = ToTrainerOptions(MethodDefaults.LearningRate(Method), MethodDefaults.WarmupSteps(Method, MaxSteps)),
            Noise = Noise,
        };
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var stop = Cancellation.Listen(cancel);
        var options = s.ToOptions();
        var outcome = ProgressView.Run($"train {s.Method}", s.MaxSteps, progress => FineTuneRecipe.Run(options, setup =>
            Console.WriteLine($"{setup.Method}: {setup.Examples:N0} examples ({setup.DevExamples:N0} dev); trainable parameters {setup.TrainableParameters:N0} of {setup.TotalParameters:N0} " +
                              $"({100.0 * setup.TrainableParameters / setup.TotalParameters:F3}%); optimizer state {setup.OptimizerStateBytes / 1048576.0:F2} MiB" +
                              Overflow(setup, s.MaxLength)),
            progress, stop.Token));
        var r = outcome.Result;
        Console.WriteLine($"{(r.Cancelled ? "stopped (checkpoint saved)" : r.StoppedEarly ? "stopped early" : "finished")} at step {r.Steps}: loss {r.Losses.FirstOrDefault():F4} → {r.Losses.LastOrDefault():F4}" +
                          $"{Best(r)}; {r.TokensSeen:N0} tokens in {r.Elapsed:hh\\:mm\\:ss}; peak RSS {PeakMemory.Format(r.PeakRssBytes)}");
        Console.WriteLine($"saved to {s.Out}");
        return r.Cancelled ? stop.ExitCode : 0;
    }

    /// <summary>The final line's note on the best dev loss: the step whose values were saved (a cancelled run saved its last step).</summary>
    private static string Best(SharpTune.Training.TrainResult r) =>
        r.BestEvalLoss is not double b ? "" : $", best eval {b:F4}" + (r.BestStep is long step ? $" at step {step}{(r.Cancelled ? "" : " (the saved result)")}" : "");

    /// <summary>The setup line's note on over-long examples, so a cut source is never silent.</summary>
    public static string Overflow(FineTuneRecipe.Setup setup, int maxLength) =>
        (setup.Truncated > 0 ? $"\n{setup.Truncated:N0} training example{(setup.Truncated == 1 ? "" : "s")} over --max-length {maxLength}: source truncated (answer kept)" : "") +
        (setup.Skipped > 0 ? $"\n{setup.Skipped:N0} training example{(setup.Skipped == 1 ? "" : "s")} over --max-length {maxLength}: skipped" : "");
}
