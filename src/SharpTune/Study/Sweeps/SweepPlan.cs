namespace SharpTune.Study.Sweeps;

/// <summary>A sweep expanded into its trials, in run order.</summary>
public sealed record SweepPlan(string Name, IReadOnlyList<TrialSpec> Trials, IReadOnlyDictionary<string, string> Eval);
