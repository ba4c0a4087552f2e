using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Cluster;
using SharpTune.Study.Sweeps;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune sweep-trial SWEEP_DIR INDEX`: what each cluster task runs — trial INDEX of the sweep's plan, claimed in
/// the shared store (so it runs once however often the task is started), recorded there when it ends.
/// </summary>
public sealed class SweepTrialCommand : Command<SweepTrialCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandArgument(0, "<SWEEP_DIR>")] [Description("The sweep folder the submitting `sweep` wrote (sweep.json, cluster.json).")]
        public string Dir { get; set; } = "";
        [CommandArgument(1, "<INDEX>")] [Description("The trial's index in sweep.json (Slurm's $SLURM_ARRAY_TASK_ID, Kubernetes' $JOB_COMPLETION_INDEX; ≥ 0).")] [ValidRange(0)]
        public int Index { get; set; }
        [CommandOption("--store <URI>")] [Description("The shared store (default: cluster.json's, else $SHARPTUNE_STORE).")]
        public string? Store { get; set; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var job = ClusterJob.TryRead(s.Dir);
        var env = Environment.GetEnvironmentVariable(ExperimentStores.EnvironmentVariable);
        var location = s.Store ?? job?.Store ?? (string.IsNullOrWhiteSpace(env) ? null : env)
            ?? throw new SharpTuneException($"{ClusterJob.PathIn(s.Dir)}: not found, and no --store given (which store should the trial record into?)");
        using var stop = Cancellation.Listen(cancel, "stopping the trial (it checkpoints; the trial is recorded as cancelled)");
        using var store = ExperimentStores.Open(location);
        var worker = new SweepTrialWorker(new ProcessTrialExecutor(), m => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {m}"));
        var record = worker.Run(s.Dir, s.Index, WorkerId(), store, TimeSpan.FromSeconds(job?.LeaseSeconds ?? 300), stop.Token);
        return record.Status == TrialStatus.Cancelled && stop.Token.IsCancellationRequested ? stop.ExitCode : 0;
    }

    /// <summary>Who holds a claim, as an operator reads it: the scheduler's task, the host and the process.</summary>
    public static string WorkerId()
    {
        static string? e(string name) => Environment.GetEnvironmentVariable(name);
        var task = e("SLURM_ARRAY_JOB_ID") is { } job ? $"slurm:{job}_{e("SLURM_ARRAY_TASK_ID")}"
            : e("JOB_COMPLETION_INDEX") is { } k ? $"k8s:{e("HOSTNAME")}" : "local";
        return $"{task}@{Environment.MachineName}:{Environment.ProcessId}";
    }
}
