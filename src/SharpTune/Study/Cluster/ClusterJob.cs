using System.Text.Json;
using System.Text.Json.Serialization;
using SharpTune.IO;

namespace SharpTune.Study.Cluster;

/// <summary>
/// SWEEP/cluster.json: how a sweep's trials run off this process — the executor, the store every worker records into
/// (without a password: workers read $PGPASSWORD or ~/.pgpass), the lease a worker renews, and the scheduler's job
/// ids, newest last. `sweep-trial` and `sweep status` read it; only the submitting command writes it.
/// </summary>
public sealed record ClusterJob
{
    public const string FileName = "cluster.json";

    [JsonPropertyName("executor")] public required string Executor { get; init; }
    [JsonPropertyName("store")] public required string Store { get; init; }
    [JsonPropertyName("lease_seconds")] public int LeaseSeconds { get; init; } = 300;
    [JsonPropertyName("jobs")] public IReadOnlyList<string> Jobs { get; init; } = [];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string PathIn(string sweepDir) => Path.Combine(sweepDir, FileName);

    public static ClusterJob? TryRead(string sweepDir)
    {
        var path = PathIn(sweepDir);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<ClusterJob>(File.ReadAllText(path)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new SharpTuneException($"{path}: not a cluster job file ({e.Message.ReplaceLineEndings(" ")})"); }
    }

    public void Write(string sweepDir) => AtomicFile.WriteAllText(PathIn(sweepDir), JsonSerializer.Serialize(this, Json) + "\n");
}
