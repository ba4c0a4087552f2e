using System.Text.Json;
using SharpTune.IO;
using SharpTune.Study.Sweeps;

namespace SharpTune.Study.Cluster;

/// <summary>
/// One cluster task: reads trial INDEX from SWEEP/sweep.json, claims it in the shared store (a lease it renews every
/// third of the lease while the trial runs), runs it in its own process like a local sweep, and records the result
/// only while it still holds the claim. A trial that is finished, failed or held by a live worker is left alone, so
/// an array task that runs twice (requeue, resubmission) never runs a trial twice. Stopped from outside (scancel →
/// SIGTERM) the trial checkpoints and is recorded as cancelled; a resubmission continues it from its checkpoint.
/// </summary>
public sealed class SweepTrialWorker(ITrialExecutor executor, Action<string>? log = null)
{
    /// <summary>The file in the trial folder naming the worker (and its process id) that holds the trial.</summary>
    public const string WorkerFile = "worker.json";

    public TrialRecord Run(string sweepDir, int index, string worker, IExperimentStore store, TimeSpan lease, CancellationToken cancel)
    {
        var plan = SweepFolder.ReadPlan(sweepDir);
        if (index < 0 || index >= plan.Trials.Count)
            throw new SharpTuneException($"{Path.Combine(sweepDir, SweepFolder.PlanFile)}: trial index {index} is out of range (the sweep has {plan.Trials.Count} trials, 0…{plan.Trials.Count - 1})");
        var queue = store as ITrialQueue
            ?? throw new SharpTuneException("sweep-trial needs a shared store that workers claim trials from (postgresql://…), not an SQLite file");
        var spec = plan.Trials[index];
        var id = spec.Id(plan.Name);
        var trialDir = TrialFolder.Of(sweepDir, id);
        if (store.Get(id) is null) store.Upsert(TrialFolder.Pending(plan.Name, spec, id, trialDir));

        var claimed = queue.TryClaim(id, worker, lease);
        if (claimed is null)
        {
            var now = store.Get(id)!;
            var holder = queue.Lease(id) is { } l ? $" by {l.Worker} until {l.Until:O}" : "";
            log?.Invoke($"trial {index} ({id}) is {ExperimentJson.StatusName(now.Status)}{holder}: nothing to do");
            return now;
        }
        log?.Invoke($"trial {index} ({id}) claimed by {worker}");
        Directory.CreateDirectory(trialDir);
        AtomicFile.WriteAllText(Path.Combine(trialDir, WorkerFile),
            JsonSerializer.Serialize(new { worker, pid = Environment.ProcessId, host = Environment.MachineName, claimed_at = DateTimeOffset.UtcNow }) + "\n");

        var lost = false;
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, lease.Ticks / 3));
        TrialExecution run;
        using (new Timer(_ =>
        {
            try { if (!queue.Renew(id, worker, lease)) lost = true; }
            catch (SharpTuneException e) { log?.Invoke($"lease renewal failed (will retry): {e.Message}"); }
        }, null, every, every))
            run = executor.Run(plan.Name, spec, plan.Eval, trialDir, resume: true, cancel); // a killed attempt's checkpoint, if any

        var record = run.Cancelled
            ? claimed with { Status = TrialStatus.Cancelled, Error = "the task was stopped (a resubmitted sweep continues it)", FinishedAt = DateTimeOffset.UtcNow }
            : run.Outcome is { } o
                ? claimed with { Status = TrialStatus.Finished, Metrics = o.Metrics, BestStep = o.BestStep, DataFingerprint = o.DataFingerprint, FinishedAt = DateTimeOffset.UtcNow, Error = null }
                : claimed with { Status = TrialStatus.Failed, Error = run.Error, FinishedAt = DateTimeOffset.UtcNow };
        if (lost || !queue.Complete(record, worker))
        {
            log?.Invoke($"trial {index} ({id}): the claim expired and another worker took it over; this result is not recorded");
            return store.Get(id)!;
        }
        log?.Invoke($"trial {index} ({id}) {ExperimentJson.StatusName(record.Status)}{(record.Error is null ? "" : $": {record.Error}")}");
        return record;
    }
}
