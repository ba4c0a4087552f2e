using System.Diagnostics;
using SharpTune.IO;

namespace SharpTune.Study.Cluster;

/// <summary>The Slurm commands a sweep uses (sbatch, squeue, scancel), run as processes; $SLURM_CONF is inherited.</summary>
public static class Slurm
{
    /// <summary>Submits the script; returns the job id (sbatch --parsable prints "ID" or "ID;CLUSTER").</summary>
    public static string Submit(string scriptPath, IEnumerable<string> extra)
    {
        var output = Run("sbatch", ["--parsable", .. extra, scriptPath]);
        return output.Trim().Split(';')[0];
    }

    /// <summary>The array tasks of these jobs still in the queue: array index → state (PENDING, RUNNING, …).</summary>
    public static Dictionary<int, string> Tasks(IEnumerable<string> jobIds)
    {
        var ids = jobIds.ToList();
        var tasks = new Dictionary<int, string>();
        if (ids.Count == 0) return tasks;
        // -r: one line per array task (a pending array is otherwise one line "12_[0-7%2]").
        foreach (var line in Run("squeue", ["-h", "-r", "-j", string.Join(',', ids), "-o", "%K %T"], okIfJobsGone: true).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Trim().Split(' ', 2);
            if (parts.Length == 2 && int.TryParse(parts[0], out var index) && parts[1] is not ("COMPLETED" or "CANCELLED" or "FAILED" or "TIMEOUT" or "OUT_OF_MEMORY" or "NODE_FAIL"))
                tasks[index] = parts[1];
        }
        return tasks;
    }

    public static void Cancel(string jobId) => Run("scancel", [jobId]);

    public static bool Available() => Which("sbatch") is not null;

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    private static string Run(string exe, IReadOnlyList<string> args, bool okIfJobsGone = false)
    {
        if (Which(exe) is null) throw new SharpTuneException($"--executor slurm: '{exe}' is not on PATH (run on a Slurm login node, or install slurm-client)");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        // squeue -j with ids that have left the queue exits 1 with "Invalid job id specified": nothing is queued.
        if (p.ExitCode != 0 && okIfJobsGone && stderr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) return "";
        if (p.ExitCode != 0)
            throw new SharpTuneException($"{exe} {string.Join(' ', args)}: exit {p.ExitCode}: {stderr.Trim().ReplaceLineEndings(" ")}");
        return stdout.Result;
    }
}
