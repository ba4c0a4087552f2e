using System.Text.Json.Serialization;

namespace SharpTune.Study.Cluster;

/// <summary>
/// What each trial asks the scheduler for (a sweep file's <c>resources:</c> block): CPUs, memory in Slurm's notation
/// ("4G", "512M") and a time limit ("00:30:00", "30"). Null leaves the cluster's default.
/// </summary>
public sealed record TrialResources(
    [property: JsonPropertyName("cpus")] int? Cpus = null,
    [property: JsonPropertyName("mem")] string? Memory = null,
    [property: JsonPropertyName("time")] string? Time = null);
