namespace SharpTune.Training;

/// <summary>What a checkpoint records besides weights and optimizer moments (trainer_state.json).</summary>
public sealed record TrainerState
{
    public long Step { get; init; }
    public List<double> Losses { get; init; } = new();
    public List<double[]> EvalLosses { get; init; } = new();
    public double? BestEvalLoss { get; init; }
    /// <summary>The step of <see cref="BestEvalLoss"/>, whose trainable values the checkpoint holds in best.safetensors.</summary>
    public long? BestStep { get; init; }
    public int EvalsWithoutImprovement { get; init; }
    public long TokensSeen { get; init; }
    public double ElapsedSeconds { get; init; }
    /// <summary>What defines the run (<see cref="TrainerOptions.Fingerprint"/>); null for direct use and older checkpoints.</summary>
    public RunFingerprint? Fingerprint { get; init; }
}
