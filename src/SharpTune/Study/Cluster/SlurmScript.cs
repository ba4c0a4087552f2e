using System.Text;

namespace SharpTune.Study.Cluster;

/// <summary>
/// The batch script of a sweep's one job array: each array task runs <c>sharptune sweep-trial SWEEP INDEX</c> with
/// its <c>$SLURM_ARRAY_TASK_ID</c>; per-trial CPUs/memory/time come from the sweep file's resources; each task logs
/// to SWEEP/logs/JOB_INDEX.log. The array lists the indices to run (all, or those a resubmission has left), with
/// <c>%N</c> throttling how many run at once.
/// </summary>
public static class SlurmScript
{
    public static string Build(string sweepDir, string sweepName, TrialResources? resources, IReadOnlyList<int> indices, SlurmOptions o, IReadOnlyList<string> command)
    {
        var dir = Path.GetFullPath(sweepDir);
        var s = new StringBuilder("#!/bin/bash\n");
        s.Append($"#SBATCH --job-name=sharptune-{Safe(sweepName)}\n");
        s.Append($"#SBATCH --array={ArraySpec(indices)}{(o.MaxParallel is int m ? $"%{m}" : "")}\n");
        s.Append($"#SBATCH --output={dir}/logs/%A_%a.log\n");
        s.Append("#SBATCH --open-mode=append\n");
        if (resources?.Cpus is int c) s.Append($"#SBATCH --cpus-per-task={c}\n");
        if (resources?.Memory is { } mem) s.Append($"#SBATCH --mem={mem}\n");
        if (resources?.Time is { } t) s.Append($"#SBATCH --time={t}\n");
        if (o.Partition is { } p) s.Append($"#SBATCH --partition={p}\n");
        // --slurm-opt last: later #SBATCH lines win, so the user's options override the ones above.
        foreach (var extra in o.Extra ?? []) s.Append($"#SBATCH {extra}\n");
        // Slurm sends SIGTERM, waits KillWait, then SIGKILL: the trial checkpoints on SIGTERM.
        s.Append("#SBATCH --signal=B:TERM@60\n");
        s.Append("set -euo pipefail\n");
        s.Append("export NO_COLOR=1\n");
        s.Append($"exec {string.Join(' ', command.Select(Quote))} sweep-trial {Quote(dir)} \"$SLURM_ARRAY_TASK_ID\"\n");
        return s.ToString();
    }

    /// <summary>"0-7" for a full range, "1,3,5-6" for what a resubmission left.</summary>
    public static string ArraySpec(IReadOnlyList<int> indices)
    {
        var sorted = indices.Distinct().Order().ToList();
        var parts = new List<string>();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    public static string Quote(string a) => a.All(ch => char.IsLetterOrDigit(ch) || "/._-+=:@,".Contains(ch)) ? a : "'" + a.Replace("'", "'\\''") + "'";

    private static string Safe(string name) => new(name.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' ? ch : '-').ToArray());
}
