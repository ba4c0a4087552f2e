using SharpTune.IO;
using SharpTune.Study.Sweeps;

namespace SharpTune.Study.Cluster;

/// <summary>
/// A sweep whose trials run as one Slurm job array, recording into a shared store. The submitting command writes the
/// plan (SWEEP/sweep.json), records every trial as pending, submits one <c>sbatch --array</c> of the trials not yet
/// finished, and — unless detached — waits, printing progress from squeue and the store. When the array has left the
/// queue it settles what is left: a trial still "running" lost its worker (killed task, dead node) and is resubmitted
/// once its lease has run out (up to <c>retries</c> times); a trial still pending never started because the array
/// was cancelled, and is marked cancelled. SWEEP/trials.jsonl is rewritten from the store for `report`/`recommend`.
/// </summary>
public sealed class ClusterSweepRunner(IExperimentStore store, Action<string>? log = null)
{
    private readonly ITrialQueue _queue = store as ITrialQueue
        ?? throw new SharpTuneException("--executor slurm needs a store every node can reach: --store postgresql://USER@HOST:PORT/DB (SQLite on a shared filesystem corrupts)");

    /// <summary>Writes the plan, records new trials as pending; returns the indices not finished or failed.</summary>
    public List<int> Prepare(SweepPlan plan, string outDir, bool resume, string? codeVersion)
    {
        var planPath = Path.Combine(outDir, SweepFolder.PlanFile);
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
        {
            if (!resume) throw new SharpTuneException($"{outDir}: a sweep folder already exists; pass --resume to submit its unfinished trials or choose another --out");
            if (File.Exists(planPath))
            {
                var old = SweepFolder.ReadPlan(outDir);
                if (old.Name != plan.Name || !old.Trials.Select(t => t.Id(old.Name)).SequenceEqual(plan.Trials.Select(t => t.Id(plan.Name))))
                    throw new SharpTuneException($"{planPath}: the folder holds a different sweep (its trials differ from these); choose another --out");
            }
        }
        SweepFolder.WritePlan(outDir, plan);
        Directory.CreateDirectory(Path.Combine(outDir, "logs"));
        var indices = new List<int>();
        for (int i = 0; i < plan.Trials.Count; i++)
        {
            var id = plan.Trials[i].Id(plan.Name);
            var existing = store.Get(id);
            if (existing is null) store.Upsert(TrialFolder.Pending(plan.Name, plan.Trials[i], id, TrialFolder.Of(outDir, id), codeVersion));
            if (existing?.Status is TrialStatus.Finished or TrialStatus.Failed) continue;
            indices.Add(i);
        }
        return indices;
    }

    /// <summary>Writes SWEEP/slurm/sweep-N.sbatch for these indices and submits it; the job id is added to cluster.json.</summary>
    public string Submit(SweepPlan plan, string outDir, IReadOnlyList<int> indices, SlurmOptions o, IReadOnlyList<string> command, ClusterJob job)
    {
        var dir = Path.Combine(outDir, "slurm");
        Directory.CreateDirectory(dir);
        var script = Path.Combine(dir, $"sweep-{job.Jobs.Count + 1}.sbatch");
        AtomicFile.WriteAllText(script, SlurmScript.Build(outDir, plan.Name, plan.Resources, indices, o, command));
        var id = Slurm.Submit(script, []);
        (job with { Jobs = [.. job.Jobs, id] }).Write(outDir);
        log?.Invoke($"submitted job array {id} ({indices.Count} trials{(o.MaxParallel is int m ? $", at most {m} at once" : "")}): {script}");
        return id;
    }

    /// <summary>Waits for the array (and the retries it needs) to finish; returns the sweep's records in plan order.</summary>
    public IReadOnlyList<TrialRecord> Wait(SweepPlan plan, string outDir, SlurmOptions o, IReadOnlyList<string> command, int retries, TimeSpan poll, CancellationToken cancel)
    {
        string? last = null;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            var job = ClusterJob.TryRead(outDir) ?? throw new SharpTuneException($"{ClusterJob.PathIn(outDir)}: missing");
            var tasks = Slurm.Tasks(job.Jobs);
            var records = Records(plan);
            var line = Progress(records, tasks);
            if (line != last) { log?.Invoke(line); last = line; }
            if (tasks.Count == 0)
            {
                Settle(plan, records);
                records = Records(plan);
                var orphaned = Enumerable.Range(0, plan.Trials.Count).Where(i => records[i].Status == TrialStatus.Running).ToList();
                if (orphaned.Count == 0 || retries-- <= 0) { TrialsFile.Write(outDir, records); return records; }
                // Their workers died without recording anything; a new task can claim them once the lease has run out.
                var until = orphaned.Select(i => _queue.Lease(records[i].Id)?.Until).Max();
                if (until is { } u && u > DateTimeOffset.UtcNow)
                {
                    log?.Invoke($"{orphaned.Count} trial(s) lost their task; resubmitting when the lease runs out ({u:HH:mm:ss} UTC)");
                    var wait = u - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
                    if (cancel.WaitHandle.WaitOne(wait)) cancel.ThrowIfCancellationRequested();
                }
                Submit(plan, outDir, orphaned, o, command, ClusterJob.TryRead(outDir)!);
                last = null;
            }
            TrialsFile.Write(outDir, records);
            if (cancel.WaitHandle.WaitOne(poll)) cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>With the array gone from the queue, a trial still pending never started: the array was cancelled.</summary>
    public void Settle(SweepPlan plan, IReadOnlyList<TrialRecord> records)
    {
        foreach (var r in records.Where(r => r.Status == TrialStatus.Pending))
            store.Upsert(r with { Status = TrialStatus.Cancelled, Error = "cancelled before it started (the job array left the queue)" });
    }

    /// <summary>The sweep's records in plan order (a trial missing from the store shows as pending).</summary>
    public IReadOnlyList<TrialRecord> Records(SweepPlan plan)
    {
        var byId = store.List(plan.Name).ToDictionary(r => r.Id);
        return plan.Trials.Select(t => byId.TryGetValue(t.Id(plan.Name), out var r) ? r
            : new TrialRecord { Id = t.Id(plan.Name), Sweep = plan.Name, Settings = t.Settings, Status = TrialStatus.Pending }).ToList();
    }

    public static string Progress(IReadOnlyList<TrialRecord> records, IReadOnlyDictionary<int, string> tasks)
    {
        int Count(TrialStatus s) => records.Count(r => r.Status == s);
        var queue = tasks.Count == 0 ? "no tasks queued" : string.Join(", ", tasks.Values.GroupBy(v => v).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToLowerInvariant()}"));
        return $"[{Count(TrialStatus.Finished) + Count(TrialStatus.Failed)}/{records.Count}] store: {Count(TrialStatus.Finished)} finished, {Count(TrialStatus.Failed)} failed, " +
               $"{Count(TrialStatus.Running)} running, {Count(TrialStatus.Pending)} pending, {Count(TrialStatus.Cancelled)} cancelled · slurm: {queue}";
    }
}
