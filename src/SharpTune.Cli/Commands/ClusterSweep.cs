using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Cluster;
using SharpTune.Study.Sweeps;

namespace SharpTune.Cli.Commands;

/// <summary>`sweep --executor slurm`: submit the trials as one job array recording into a shared store, then wait or detach.</summary>
internal static class ClusterSweep
{
    /// <summary>How often the waiting command asks squeue and the store.</summary>
    public static TimeSpan Poll { get; set; } = TimeSpan.FromSeconds(2);

    public static int Run(SweepCommand.Settings s, SweepPlan plan, Func<TrialSpec, bool> only, CancellationToken cancel)
    {
        var options = new SlurmOptions(s.Partition, s.MaxParallel, s.SlurmOpt.SelectMany(o => o.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList(), s.Lease);
        string[] command = ["dotnet", SweepCommand.CliDll];
        if (s.DryRun)
        {
            var all = Enumerable.Range(0, plan.Trials.Count).Where(i => only(plan.Trials[i])).ToList();
            Console.Write(SlurmScript.Build(s.Out, plan.Name, plan.Resources, all, options, command));
            return 0;
        }
        var location = ExperimentStores.Resolve(s.Store);
        if (!ExperimentStores.IsShared(location))
            throw new SharpTuneException($"--executor slurm: the store must be a server every node can reach (--store postgresql://USER@HOST:PORT/DB), not {location} (SQLite on a shared filesystem corrupts)");
        using var stop = Cancellation.Listen(cancel, "no longer waiting (the job array goes on: `sharptune sweep status DIR` follows it, scancel stops it)");
        using var store = ExperimentStores.Open(location);
        var runner = new ClusterSweepRunner(store, Console.WriteLine);
        var indices = runner.Prepare(plan, s.Out, s.Resume, typeof(SweepCommand).Assembly.GetName().Version?.ToString()).Where(i => only(plan.Trials[i])).ToList();
        var job = (ClusterJob.TryRead(s.Out) ?? new ClusterJob { Executor = "slurm", Store = PostgresLocation.WithoutPassword(location) })
            with { Store = PostgresLocation.WithoutPassword(location), LeaseSeconds = s.Lease };
        job.Write(s.Out);
        Console.WriteLine($"sweep {plan.Name}: {plan.Trials.Count} trials, {indices.Count} to run → {s.Out} (store {PostgresLocation.Redact(location)})");
        if (indices.Count == 0)
        {
            TrialsFile.Write(s.Out, runner.Records(plan));
            Console.WriteLine("nothing to run: every trial is finished or failed");
            return 0;
        }
        var id = runner.Submit(plan, s.Out, indices, options, command, job);
        if (s.Detach)
        {
            Console.WriteLine($"detached; follow with: sharptune sweep status {s.Out}   (stop with: scancel {id})");
            return 0;
        }
        try
        {
            var records = runner.Wait(plan, s.Out, options, command, s.Retries, Poll, stop.Token);
            Console.WriteLine($"{records.Count(r => r.Status == TrialStatus.Finished)} finished, {records.Count(r => r.Status == TrialStatus.Failed)} failed, " +
                              $"{records.Count(r => r.Status == TrialStatus.Cancelled)} cancelled; {TrialsFile.PathIn(s.Out)}");
            return records.Any(r => r.Status is TrialStatus.Cancelled or TrialStatus.Running or TrialStatus.Pending) ? 1 : 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"stopped waiting; the job array goes on: sharptune sweep status {s.Out}");
            return stop.ExitCode;
        }
    }
}
