namespace SharpTune.Study.Sweeps;

/// <summary>How one trial process ended: its outcome, or its error (the one line it printed), or cancelled.</summary>
public sealed record TrialExecution(TrialOutcome? Outcome, string? Error, bool Cancelled = false);
