namespace SharpTune.Training;

/// <summary>
/// How a run ended. <see cref="Losses"/> holds every step's training loss since step 1 (resumes included).
/// <see cref="BestStep"/> is the step of <see cref="BestEvalLoss"/> (null without evaluation); when the run was not
/// cancelled, the trainable parameters hold that step's values, not the last step's.
/// </summary>
public sealed record TrainResult(long Steps, IReadOnlyList<double> Losses, IReadOnlyList<(long Step, double Loss)> EvalLosses,
    double? BestEvalLoss, bool StoppedEarly, bool Cancelled, long TokensSeen, TimeSpan Elapsed, long PeakRssBytes, long OptimizerStateBytes,
    long? BestStep = null);
