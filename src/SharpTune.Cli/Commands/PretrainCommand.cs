using System.ComponentModel;
using SharpTune.Generation;
using SharpTune.Recipes;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class PretrainCommand : Command<PretrainCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--model-config <CONFIG>")] [Description("HF config.json of the architecture to train from scratch (e.g. configs/sharptune-base.json). Required.")]
        public string ModelConfig { get; set; } = "";

        [CommandOption("--tokenizer <DIR>")] [Description("Folder with the tokenizer.json to train with (copied into OUT). Required.")]
        public string Tokenizer { get; set; } = "";

        [CommandOption("--data <FILES>")] [Description("Corpus text files (documents separated by blank lines); repeatable. Required.")]
        public string[] Data { get; set; } = [];

        [CommandOption("--dev-data <FILES>")] [Description("Held-out corpus for eval loss (--eval-every) and the final perplexity; repeatable.")]
        public string[] DevData { get; set; } = [];

        [CommandOption("--block-size <T>")] [Description("Tokens per training row (≥ 2; at most the model's max_position_embeddings).")] [DefaultValue(256)] [ValidRange(2)]
        public int BlockSize { get; set; } = 256;

        [CommandOption("--batch-size <B>")] [Description("Rows per batch (≥ 1).")] [DefaultValue(16)] [ValidRange(1)]
        public int BatchSize { get; set; } = 16;

        protected override bool HasDevData => DevData.Length > 0;
        protected override string DevOption => "--dev-data";

        public override Spectre.Console.ValidationResult Validate() =>
            ModelConfig == "" || Tokenizer == "" || Data.Length == 0 ? Spectre.Console.ValidationResult.Error("--model-config, --tokenizer and --data are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var stop = Cancellation.Listen(cancel);
        var options = new PretrainOptions
        {
            ConfigPath = s.ModelConfig, TokenizerDir = s.Tokenizer, DataFiles = s.Data, DevFiles = s.DevData,
            BlockSize = s.BlockSize, BatchSize = s.BatchSize, Device = s.Device, Trainer = s.ToTrainerOptions(defaultLr: 1e-3),
        };
        var outcome = ProgressView.Run("pretrain", s.MaxSteps, progress => PretrainRecipe.Run(options, Console.WriteLine, progress, stop.Token));
        var r = outcome.Result;
        Console.WriteLine($"{(r.Cancelled ? "stopped" : "finished")} at step {r.Steps}: loss {r.Losses.LastOrDefault():F4}, {r.TokensSeen:N0} tokens in {r.Elapsed:hh\\:mm\\:ss}, peak RSS {PeakMemory.Format(r.PeakRssBytes)}");
        if (outcome.DevLoss is double d) Console.WriteLine($"dev loss {d:F4}, perplexity {Math.Exp(d):F2}");
        return r.Cancelled ? stop.ExitCode : 0;
    }
}
