using System.ComponentModel;
using SharpTune.Training;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>Optimiser and loop options shared by pretrain and train.</summary>
public class TrainingSettings : CommandSettings
{
    [CommandOption("--out <DIR>")] [Description("Output folder: model/adapter, checkpoint/, metrics.jsonl.")]
    public string Out { get; set; } = "";

    [CommandOption("--max-steps <N>")] [DefaultValue(1000L)]
    public long MaxSteps { get; set; } = 1000;

    [CommandOption("--lr <LR>")] [DefaultValue(1e-3)]
    public double Lr { get; set; } = 1e-3;

    [CommandOption("--weight-decay <WD>")] [DefaultValue(0.01)]
    public double WeightDecay { get; set; } = 0.01;

    [CommandOption("--warmup <STEPS>")] [DefaultValue(0L)]
    public long Warmup { get; set; }

    [CommandOption("--schedule <KIND>")] [Description("constant, linear or cosine.")] [DefaultValue("cosine")]
    public string Schedule { get; set; } = "cosine";

    [CommandOption("--min-lr-ratio <R>")] [DefaultValue(0.0)]
    public double MinLrRatio { get; set; }

    [CommandOption("--grad-accum <N>")] [DefaultValue(1)]
    public int GradAccum { get; set; } = 1;

    [CommandOption("--max-grad-norm <N>")] [DefaultValue(1.0)]
    public double MaxGradNorm { get; set; } = 1.0;

    [CommandOption("--seed <N>")] [DefaultValue(0)]
    public int Seed { get; set; }

    [CommandOption("--eval-every <STEPS>")] [DefaultValue(0L)]
    public long EvalEvery { get; set; }

    [CommandOption("--early-stopping <N>")] [Description("Stop after N evaluations without improvement.")] [DefaultValue(0)]
    public int EarlyStopping { get; set; }

    [CommandOption("--checkpoint-every <STEPS>")] [DefaultValue(100L)]
    public long CheckpointEvery { get; set; } = 100;

    [CommandOption("--resume")] [Description("Continue from OUT/checkpoint (an error when there is none).")]
    public bool Resume { get; set; }

    [CommandOption("--force")] [Description("Replace a previous run in --out instead of refusing.")]
    public bool Force { get; set; }

    [CommandOption("--device <DEVICE>")] [DefaultValue("cpu")]
    public string Device { get; set; } = "cpu";

    public TrainerOptions ToTrainerOptions() => new()
    {
        OutDir = Out, MaxSteps = MaxSteps, LearningRate = Lr, WeightDecay = WeightDecay, WarmupSteps = Warmup, Schedule = Schedule,
        MinLrRatio = MinLrRatio, GradientAccumulation = GradAccum, MaxGradNorm = MaxGradNorm, Seed = Seed, EvalEvery = EvalEvery,
        EarlyStoppingPatience = EarlyStopping, CheckpointEvery = CheckpointEvery, Resume = Resume, Force = Force,
    };

    public override Spectre.Console.ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Out) ? Spectre.Console.ValidationResult.Error("--out DIR is required") : base.Validate();
}
