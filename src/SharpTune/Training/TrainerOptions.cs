using System.Text.Json.Serialization;

namespace SharpTune.Training;

/// <summary>Everything that shapes an optimisation run. Steps are optimizer steps (after gradient accumulation).</summary>
public sealed record TrainerOptions
{
    public required string OutDir { get; init; }
    public long MaxSteps { get; init; } = 100;
    public double LearningRate { get; init; } = 1e-4;
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Eps { get; init; } = 1e-8;
    public long WarmupSteps { get; init; }
    /// <summary>constant, linear or cosine (to MinLrRatio × peak).</summary>
    public string Schedule { get; init; } = "cosine";
    public double MinLrRatio { get; init; }
    public int GradientAccumulation { get; init; } = 1;
    /// <summary>Clip the global gradient norm to this (0: no clipping).</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    public int Seed { get; init; }
    /// <summary>Evaluate every N steps (0: never).</summary>
    public long EvalEvery { get; init; }
    /// <summary>Stop after this many evaluations without improvement (0: never stop early).</summary>
    public int EarlyStoppingPatience { get; init; }
    /// <summary>Write a checkpoint every N steps (0: only at the end and on Ctrl-C).</summary>
    public long CheckpointEvery { get; init; } = 100;
    /// <summary>Continue from OutDir/checkpoint; without a checkpoint that is an error, not a fresh start.</summary>
    public bool Resume { get; init; }
    /// <summary>Recipes replace a previous run in OutDir (see <see cref="IO.OutputFolder.StartRun"/>) instead of refusing.</summary>
    public bool Force { get; init; }
    /// <summary>
    /// What defines the run (the recipe computes it over all its options and inputs). Recorded in every checkpoint;
    /// with <see cref="Resume"/> a checkpoint with another one (or none) is refused. Null: not checked (direct use).
    /// </summary>
    [JsonIgnore] public RunFingerprint? Fingerprint { get; init; }

    /// <summary>CLI names of the options, for fingerprints and the messages that name what differs.</summary>
    public static readonly IReadOnlyDictionary<string, string> OptionNames = new Dictionary<string, string>
    {
        [nameof(MaxSteps)] = "--max-steps", [nameof(LearningRate)] = "--lr", [nameof(WeightDecay)] = "--weight-decay",
        [nameof(WarmupSteps)] = "--warmup", [nameof(Schedule)] = "--schedule", [nameof(MinLrRatio)] = "--min-lr-ratio",
        [nameof(GradientAccumulation)] = "--grad-accum", [nameof(MaxGradNorm)] = "--max-grad-norm", [nameof(Seed)] = "--seed",
        [nameof(EvalEvery)] = "--eval-every", [nameof(EarlyStoppingPatience)] = "--early-stopping",
    };

    /// <summary>
    /// Options that do not change what a run computes, so a resume may change them: where it is written, --resume and
    /// --force themselves, and how often it checkpoints (randomness is seeded per micro-batch, not per process).
    /// --max-steps is NOT among them: linear and cosine schedules depend on it at every step, and the final evaluation
    /// and the best step too, so a longer run is a different run (start a new one to train longer).
    /// </summary>
    public static readonly string[] NotInFingerprint = [nameof(OutDir), nameof(Resume), nameof(Force), nameof(CheckpointEvery)];

    public void Validate()
    {
        if (MaxSteps <= 0) throw new IO.SharpTuneException($"--max-steps must be > 0, got {MaxSteps}");
        if (LearningRate <= 0) throw new IO.SharpTuneException($"--lr must be > 0, got {LearningRate}");
        if (GradientAccumulation <= 0) throw new IO.SharpTuneException($"--grad-accum must be > 0, got {GradientAccumulation}");
        if (WarmupSteps < 0) throw new IO.SharpTuneException($"--warmup must be ≥ 0, got {WarmupSteps}");
        LrSchedule.At(Schedule, 1, 0, 0, 1);
    }
}
