namespace SharpTune.Study.Sweeps;

/// <summary>A sweep expanded into its trials, in run order, with what each trial asks a cluster scheduler for.</summary>
public sealed record SweepPlan(string Name, IReadOnlyList<TrialSpec> Trials, IReadOnlyDictionary<string, string> Eval,
                               Cluster.TrialResources? Resources = null);
