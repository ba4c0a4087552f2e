using System.ComponentModel;
using SharpTune.Generation;
using SharpTune.Recipes;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class PretrainCommand : Command<PretrainCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--config <CONFIG>")] [Description("HF config.json of the architecture to train from scratch.")]
        public string Config { get; set; } = "";

        [CommandOption("--tokenizer <DIR>")]
        public string Tokenizer { get; set; } = "";

        [CommandOption("--data <FILES>")] [Description("Corpus text files (documents separated by blank lines); repeatable.")]
        public string[] Data { get; set; } = [];

        [CommandOption("--dev-data <FILES>")] [Description("Held-out corpus for eval loss and the final perplexity.")]
        public string[] DevData { get; set; } = [];

        [CommandOption("--block-size <T>")] [DefaultValue(256)]
        public int BlockSize { get; set; } = 256;

        [CommandOption("--batch-size <B>")] [DefaultValue(16)]
        public int BatchSize { get; set; } = 16;

        public override Spectre.Console.ValidationResult Validate() =>
            Config == "" || Tokenizer == "" || Data.Length == 0 ? Spectre.Console.ValidationResult.Error("--config, --tokenizer and --data are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var stop = Cancellation.Listen(cancel);
        var options = new PretrainOptions
        {
            ConfigPath = s.Config, TokenizerDir = s.Tokenizer, DataFiles = s.Data, DevFiles = s.DevData,
            BlockSize = s.BlockSize, BatchSize = s.BatchSize, Device = s.Device, Trainer = s.ToTrainerOptions(),
        };
        var outcome = ProgressView.Run("pretrain", s.MaxSteps, progress => PretrainRecipe.Run(options, Console.WriteLine, progress, stop.Token));
        var r = outcome.Result;
        Console.WriteLine($"{(r.Cancelled ? "stopped" : "finished")} at step {r.Steps}: loss {r.Losses.LastOrDefault():F4}, {r.TokensSeen:N0} tokens in {r.Elapsed:hh\\:mm\\:ss}, peak RSS {PeakMemory.Format(r.PeakRssBytes)}");
        if (outcome.DevLoss is double d) Console.WriteLine($"dev loss {d:F4}, perplexity {Math.Exp(d):F2}");
        return r.Cancelled ? stop.ExitCode : 0;
    }
}
