namespace SharpTune.Training;

/// <summary>A snapshot after each optimizer step, for progress bars and logs.</summary>
public sealed record TrainProgress(long Step, long MaxSteps, double Loss, double LearningRate, double GradNorm,
    double TokensPerSecond, long TokensSeen, TimeSpan Elapsed, TimeSpan Eta, double? EvalLoss);
