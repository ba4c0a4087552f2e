namespace SharpTune.Training;

/// <summary>How a run ended. <see cref="Losses"/> holds every step's training loss since step 1 (resumes included).</summary>
public sealed record TrainResult(long Steps, IReadOnlyList<double> Losses, IReadOnlyList<(long Step, double Loss)> EvalLosses,
    double? BestEvalLoss, bool StoppedEarly, bool Cancelled, long TokensSeen, TimeSpan Elapsed, long PeakRssBytes, long OptimizerStateBytes);
