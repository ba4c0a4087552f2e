using System.ComponentModel;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Recipes;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--config <FILE>")] [Description("JSON file of these options (keys are option names without --); command-line options win.")]
        public string? Config { get; set; }

        [CommandOption("--model <DIR>")] public string Model { get; set; } = "";
        [CommandOption("--tokenizer <DIR>")] public string? Tokenizer { get; set; }
        [CommandOption("--data <JSONL>")] public string Data { get; set; } = "";
        [CommandOption("--dev <JSONL>")] public string? Dev { get; set; }
        [CommandOption("--dev-limit <N>")] public int? DevLimit { get; set; }
        [CommandOption("--format <FORMAT>")] [Description("auto, pairs, alpaca or chat.")] [DefaultValue("auto")] public string Format { get; set; } = "auto";
        [CommandOption("--template <TEXT>")] [Description("Prompt for pairs; {source} or {source_indented}.")] public string? Template { get; set; }
        [CommandOption("--max-length <N>")] [DefaultValue(512)] public int MaxLength { get; set; } = 512;
        [CommandOption("--overflow <MODE>")] [Description("error, skip or truncate over-long examples.")] [DefaultValue("error")] public string Overflow { get; set; } = "error";
        [CommandOption("--limit <N>")] [Description("Use only the first N training examples.")] public int? Limit { get; set; }
        [CommandOption("--batch-size <B>")] [DefaultValue(8)] public int BatchSize { get; set; } = 8;
        [CommandOption("--packing")] public bool Packing { get; set; }
        [CommandOption("--noise <P>")] [Description("Corrupt this share (0–1) of training answers on purpose, recorded in OUT/noise.jsonl (label-noise study).")] [DefaultValue(0.0)]
        public double Noise { get; set; }

        [CommandOption("--method <METHOD>")] [Description("prompt-tuning, p-tuning, prefix-tuning, lora, unfreeze or full.")] [DefaultValue("lora")]
        public string Method { get; set; } = "lora";
        [CommandOption("--virtual-tokens <N>")] [DefaultValue(20)] public int VirtualTokens { get; set; } = 20;
        [CommandOption("--init-text <TEXT>")] [Description("Prompt tuning: initialise from this text's embeddings.")] public string? InitText { get; set; }
        [CommandOption("--encoder <KIND>")] [Description("P-tuning encoder: mlp or lstm.")] [DefaultValue("mlp")] public string Encoder { get; set; } = "mlp";
        [CommandOption("--encoder-hidden <N>")] [DefaultValue(0)] public int EncoderHidden { get; set; }
        [CommandOption("--prefix-projection")] public bool PrefixProjection { get; set; }
        [CommandOption("--rank <R>")] [DefaultValue(8)] public int Rank { get; set; } = 8;
        [CommandOption("--alpha <A>")] [DefaultValue(16.0)] public double Alpha { get; set; } = 16;
        [CommandOption("--lora-dropout <P>")] [DefaultValue(0.05)] public double LoraDropout { get; set; } = 0.05;
        [CommandOption("--targets <NAMES>")] [Description("Comma-separated module names, or all-linear.")] [DefaultValue("q_proj,v_proj")] public string Targets { get; set; } = "q_proj,v_proj";
        [CommandOption("--rslora")] public bool Rslora { get; set; }
        [CommandOption("--dora")] public bool Dora { get; set; }
        [CommandOption("--last-layers <N>")] [DefaultValue(0)] public int LastLayers { get; set; }
        [CommandOption("--layers <RANGES>")] [Description("Layer indices to unfreeze, e.g. 0-3,10.")] public string? Layers { get; set; }
        [CommandOption("--unfreeze <GLOB>")] [Description("Parameter-name glob to unfreeze (repeatable), e.g. layers.*.mlp.*, lm_head, norm.")] public string[] Unfreeze { get; set; } = [];
        [CommandOption("--embeddings")] [Description("Unfreeze the embeddings too.")] public bool Embeddings { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Model == "" || Data == "" ? Spectre.Console.ValidationResult.Error("--model DIR and --data JSONL are required") : base.Validate();

        public FineTuneOptions ToOptions() => new()
        {
            ModelDir = Model, TokenizerDir = Tokenizer, DataPath = Data, DevPath = Dev, DevLimit = DevLimit, BatchSize = BatchSize, Packing = Packing, Device = Device,
            Method = new MethodOptions
            {
                Method = Method, VirtualTokens = VirtualTokens, InitText = InitText, Encoder = Encoder, EncoderHidden = EncoderHidden, PrefixProjection = PrefixProjection,
                Rank = Rank, Alpha = Alpha, Dropout = LoraDropout, Targets = Targets, Rslora = Rslora, Dora = Dora,
                LastLayers = LastLayers, Layers = Layers, Unfreeze = Unfreeze, Embeddings = Embeddings,
            },
            Data = new SftDataOptions
            {
                Format = Enum.TryParse<SftFormat>(Format, true, out var f) ? f : throw new SharpTuneException($"--format {Format}: expected auto, pairs, alpaca or chat"),
                PairTemplate = Template ?? SftDataOptions.DefaultPairTemplate, MaxLength = MaxLength,
                Overflow = Overflow is "error" or "skip" or "truncate" ? Overflow : throw new SharpTuneException($"--overflow {Overflow}: expected error, skip or truncate"),
                Limit = Limit,
            },
            Trainer = ToTrainerOptions(),
            Noise = Noise,
        };
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var cts = Cancellation.OnCtrlC(cancel);
        var options = s.ToOptions();
        var outcome = ProgressView.Run($"train {s.Method}", s.MaxSteps, progress => FineTuneRecipe.Run(options, setup =>
            Console.WriteLine($"{setup.Method}: {setup.Examples:N0} examples ({setup.DevExamples:N0} dev); trainable parameters {setup.TrainableParameters:N0} of {setup.TotalParameters:N0} " +
                              $"({100.0 * setup.TrainableParameters / setup.TotalParameters:F3}%); optimizer state {setup.OptimizerStateBytes / 1048576.0:F2} MiB"),
            progress, cts.Token));
        var r = outcome.Result;
        Console.WriteLine($"{(r.Cancelled ? "stopped (checkpoint saved)" : r.StoppedEarly ? "stopped early" : "finished")} at step {r.Steps}: loss {r.Losses.FirstOrDefault():F4} → {r.Losses.LastOrDefault():F4}" +
                          $"{(r.BestEvalLoss is double b ? $", best eval {b:F4}" : "")}; {r.TokensSeen:N0} tokens in {r.Elapsed:hh\\:mm\\:ss}; peak RSS {PeakMemory.Format(r.PeakRssBytes)}");
        Console.WriteLine($"saved to {s.Out}");
        return r.Cancelled ? 130 : 0;
    }
}
