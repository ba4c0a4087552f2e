using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Study.Sweeps;

namespace SharpTune.Study.Cluster;

/// <summary>
/// The sweep as a Kubernetes Indexed Job (batch/v1, completionMode Indexed): one pod per trial, each running
/// <c>sweep-trial SWEEP $(JOB_COMPLETION_INDEX)</c> — the same worker as a Slurm array task — with the sweep
/// folder on a shared volume (a ReadWriteMany PersistentVolumeClaim), the store URI in $SHARPTUNE_STORE and its
/// password from a Secret. Per-trial CPU/memory become requests and limits, the time limit activeDeadlineSeconds;
/// --max-parallel is the Job's parallelism. Printed by `sweep --executor k8s --dry-run`; nothing is submitted.
/// </summary>
public static class K8sManifest
{
    public const string VolumeClaim = "sharptune-sweeps";
    public const string PasswordSecret = "sharptune-store";

    public static JsonObject Build(string sweepDir, SweepPlan plan, string storeUri, string image, int? maxParallel, IReadOnlyList<string> command)
    {
        var dir = Path.GetFullPath(sweepDir);
        var resources = new JsonObject();
        var r = plan.Resources;
        if (r?.Cpus is not null || r?.Memory is not null)
        {
            var q = new JsonObject();
            if (r.Cpus is int c) q["cpu"] = c.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (r.Memory is { } m) q["memory"] = Memory(m);
            resources["requests"] = q.DeepClone();
            resources["limits"] = q;
        }
        var container = new JsonObject
        {
            ["name"] = "trial",
            ["image"] = image,
            ["command"] = new JsonArray([.. command.Select(a => (JsonNode)a!), "sweep-trial", dir, "$(JOB_COMPLETION_INDEX)"]),
            ["env"] = new JsonArray(
                new JsonObject { ["name"] = "SHARPTUNE_STORE", ["value"] = PostgresLocation.WithoutPassword(storeUri) },
                new JsonObject { ["name"] = "PGPASSWORD", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = PasswordSecret, ["key"] = "password", ["optional"] = true } } },
                new JsonObject { ["name"] = "NO_COLOR", ["value"] = "1" }),
            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "sweeps", ["mountPath"] = dir }),
        };
        if (resources.Count > 0) container["resources"] = resources;
        var pod = new JsonObject
        {
            ["restartPolicy"] = "Never",
            ["containers"] = new JsonArray(container),
            ["volumes"] = new JsonArray(new JsonObject { ["name"] = "sweeps", ["persistentVolumeClaim"] = new JsonObject { ["claimName"] = VolumeClaim } }),
        };
        if (r?.Time is { } t) pod["activeDeadlineSeconds"] = Seconds(t);
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject
            {
                ["name"] = Name(plan.Name),
                ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = "sharptune", ["sharptune/sweep"] = Name(plan.Name)[..Math.Min(63, Name(plan.Name).Length)] },
            },
            ["spec"] = new JsonObject
            {
                ["completionMode"] = "Indexed",
                ["completions"] = plan.Trials.Count,
                ["parallelism"] = maxParallel ?? plan.Trials.Count,
                // A pod that dies is retried (the trial is claimable again once its lease runs out), once per index.
                ["backoffLimitPerIndex"] = 1,
                ["template"] = new JsonObject { ["spec"] = pod },
            },
        };
    }

    public static string ToJson(JsonObject manifest) => manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Slurm's "4G" is Kubernetes' "4Gi" (Slurm sizes are binary).</summary>
    public static string Memory(string slurm) => slurm[^1] switch
    {
        'K' or 'M' or 'G' or 'T' => slurm[..^1] + slurm[^1] + "i",
        _ => slurm + "Mi", // Slurm's default unit is megabytes
    };

    /// <summary>Slurm's time limit ("30", "HH:MM:SS", "D-HH:MM:SS", "MM:SS") in seconds.</summary>
    public static long Seconds(string time)
    {
        long days = 0;
        if (time.Contains('-')) { var dp = time.Split('-', 2); days = long.Parse(dp[0]); time = dp[1]; }
        var p = time.Split(':').Select(long.Parse).ToArray();
        long s = p.Length switch
        {
            1 => p[0] * 60,                         // minutes
            2 => days > 0 ? p[0] * 3600 + p[1] * 60 : p[0] * 60 + p[1], // D-HH:MM or MM:SS
            _ => p[0] * 3600 + p[1] * 60 + p[2],
        };
        return days * 86400 + s;
    }

    /// <summary>A DNS-1123 name: lower case, digits and '-', at most 63 characters.</summary>
    public static string Name(string sweep)
    {
        var n = new string(("sharptune-" + sweep).ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-').ToArray()).Trim('-');
        return n.Length > 63 ? n[..63].TrimEnd('-') : n;
    }
}
