using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.Training;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>Optimiser and loop options shared by pretrain and train.</summary>
public class TrainingSettings : CheckedSettings
{
    [CommandOption("--config <FILE>")]
    [Description("JSON file of this command's options (keys are option names without --, e.g. {\"lr\": 2e-3}); options on the command line win. Unknown keys are errors.")]
    public string? Config { get; set; }

    [CommandOption("--out <DIR>")] [Description("Output folder: model/adapter, checkpoint/, metrics.jsonl, run.json. Required; must not be an existing file.")]
    [OutputPath]
    public string Out { get; set; } = "";

    [CommandOption("--max-steps <N>")] [Description("Optimizer steps to train (≥ 1).")] [DefaultValue(1000L)] [ValidRange(1)]
    public long MaxSteps { get; set; } = 1000;

    [CommandOption("--lr <LR>")]
    [Description("Peak learning rate (> 0). Default: train uses the method's own (prompt-tuning 3e-1, p-tuning 1e-2, prefix-tuning 3e-1, lora 2e-3, unfreeze 1e-3, full 3e-4); pretrain 1e-3.")]
    [ValidRange(0, MinOpen = true)]
    public double? Lr { get; set; }

    [CommandOption("--weight-decay <WD>")] [Description("AdamW weight decay (≥ 0; never applied to norms and biases).")] [DefaultValue(0.01)] [ValidRange(0)]
    public double WeightDecay { get; set; } = 0.01;

    [CommandOption("--warmup <STEPS>")]
    [Description("Linear warm-up steps (≥ 0, at most --max-steps). Default: train warms the prompt methods (prompt-tuning, p-tuning, prefix-tuning) up over 10% of --max-steps, the others not at all; pretrain 0.")]
    [ValidRange(0)]
    public long? Warmup { get; set; }

    [CommandOption("--schedule <KIND>")] [Description("Learning-rate schedule after warm-up: constant, linear or cosine.")] [DefaultValue("cosine")]
    [OneOf("constant", "linear", "cosine")]
    public string Schedule { get; set; } = "cosine";

    [CommandOption("--min-lr-ratio <R>")] [Description("Final learning rate as a fraction of the peak, in [[0, 1]] (linear and cosine).")] [DefaultValue(0.0)] [ValidRange(0, 1)]
    public double MinLrRatio { get; set; }

    [CommandOption("--grad-accum <N>")] [Description("Batches accumulated per optimizer step (≥ 1).")] [DefaultValue(1)] [ValidRange(1)]
    public int GradAccum { get; set; } = 1;

    [CommandOption("--max-grad-norm <N>")] [Description("Clip the global gradient norm to this (≥ 0; 0 turns clipping off).")] [DefaultValue(1.0)] [ValidRange(0)]
    public double MaxGradNorm { get; set; } = 1.0;

    [CommandOption("--seed <N>")] [Description("Seed for initialisation, dropout and data order (≥ 0).")] [DefaultValue(0)] [ValidRange(0)]
    public int Seed { get; set; }

    [CommandOption("--eval-every <STEPS>")] [Description("Evaluate on the dev data every N steps (≥ 0; 0: never).")] [DefaultValue(0L)] [ValidRange(0)]
    public long EvalEvery { get; set; }

    [CommandOption("--early-stopping <N>")] [Description("Stop after N evaluations without improvement (≥ 0; 0: never; needs --eval-every).")] [DefaultValue(0)] [ValidRange(0)]
    public int EarlyStopping { get; set; }

    [CommandOption("--checkpoint-every <STEPS>")] [Description("Write OUT/checkpoint every N steps (≥ 0; 0: only at the end and on interrupt).")] [DefaultValue(100L)] [ValidRange(0)]
    public long CheckpointEvery { get; set; } = 100;

    [CommandOption("--resume")] [Description("Continue from OUT/checkpoint (an error when there is none).")]
    public bool Resume { get; set; }

    [CommandOption("--force")] [Description("Replace a previous run in --out instead of refusing.")]
    public bool Force { get; set; }

    [CommandOption("--device <DEVICE>")] [Description("cpu, cuda or cuda:N.")] [DefaultValue("cpu")] [Matches(ModelSettings.DevicePattern, "cpu, cuda or cuda:N")]
    public string Device { get; set; } = "cpu";

    /// <summary>The trainer's options; the defaults apply when --lr or --warmup is not given (train: the method's own).</summary>
    public TrainerOptions ToTrainerOptions(double defaultLr, long defaultWarmup = 0) => new()
    {
        OutDir = Out, MaxSteps = MaxSteps, LearningRate = Lr ?? defaultLr, WeightDecay = WeightDecay, WarmupSteps = Warmup ?? defaultWarmup, Schedule = Schedule,
        MinLrRatio = MinLrRatio, GradientAccumulation = GradAccum, MaxGradNorm = MaxGradNorm, Seed = Seed, EvalEvery = EvalEvery,
        EarlyStoppingPatience = EarlyStopping, CheckpointEvery = CheckpointEvery, Resume = Resume, Force = Force,
    };

    /// <summary>The dev-data option of the command (train: --dev, pretrain: --dev-data), for the evaluation checks.</summary>
    protected virtual bool HasDevData => false;
    protected virtual string DevOption => "--dev";

    public override Spectre.Console.ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Out) ? Spectre.Console.ValidationResult.Error("--out DIR is required")
        : Warmup > MaxSteps ? Spectre.Console.ValidationResult.Error($"--warmup {Warmup}: expected at most --max-steps ({MaxSteps})")
        : EarlyStopping > 0 && EvalEvery == 0 ? Spectre.Console.ValidationResult.Error($"--early-stopping {EarlyStopping} needs --eval-every N (> 0): without evaluations it never stops")
        : EvalEvery > 0 && !HasDevData ? Spectre.Console.ValidationResult.Error($"--eval-every {EvalEvery} needs {DevOption} data to evaluate on")
        : base.Validate();
}
