namespace SharpTune.Study.Cluster;

/// <summary>How a sweep is submitted to Slurm: partition, the array's %N throttle, extra sbatch options, the lease.</summary>
public sealed record SlurmOptions(string? Partition = null, int? MaxParallel = null, IReadOnlyList<string>? Extra = null, int LeaseSeconds = 300);
