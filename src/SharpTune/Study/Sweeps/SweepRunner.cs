using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Study.Sweeps;

/// <summary>
/// Runs a sweep's trials one after another (2 cores: one trial at a time uses them both), recording each in
/// SWEEP/trials.jsonl and in the experiment store as it goes: pending → running → finished | failed. A failed trial
/// is recorded with its error and the sweep goes on. With <c>resume</c> a killed sweep keeps every finished (and
/// failed) trial and continues the one that was running from its checkpoint; a finished trial never runs twice.
/// <c>retryFailed</c> runs the failed trials again (a failure that was the machine's, not the trial's).
/// <c>only</c> runs just the trials it selects this time (e.g. seed 1 of every point first, so a study cut short
/// still has every axis); the others stay pending in trials.jsonl for a later run.
/// </summary>
public sealed class SweepRunner(ITrialExecutor executor, IExperimentStore? store = null, string? codeVersion = null)
{
    public sealed record Progress(int Done, int Total, TrialRecord Trial);

    public IReadOnlyList<TrialRecord> Run(SweepPlan plan, string outDir, bool resume, Action<Progress>? progress = null, CancellationToken cancel = default,
                                        Func<TrialSpec, bool>? only = null, bool retryFailed = false)
    {
        var existing = new Dictionary<string, TrialRecord>();
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
        {
            if (!resume) throw new SharpTuneException($"{outDir}: a sweep folder already exists; pass --resume to continue it or choose another --out");
            if (File.Exists(TrialsFile.PathIn(outDir)))
                foreach (var t in TrialsFile.Read(outDir)) existing[t.Id] = t;
        }
        Directory.CreateDirectory(outDir);
        Cluster.SweepFolder.WritePlan(outDir, plan);

        var records = plan.Trials.Select(t =>
        {
            var id = t.Id(plan.Name);
            return existing.TryGetValue(id, out var r) ? r : TrialFolder.Pending(plan.Name, t, id, TrialFolder.Of(outDir, id), codeVersion);
        }).ToList();
        Save(outDir, records, null);

        for (int i = 0; i < records.Count; i++)
        {
            bool retry = records[i].Status == TrialStatus.Failed;
            if (records[i].Status == TrialStatus.Finished || (retry && !retryFailed)) continue;
            if (only is not null && !only(plan.Trials[i])) continue;
            cancel.ThrowIfCancellationRequested();
            bool wasRunning = records[i].Status == TrialStatus.Running;
            var trialDir = TrialFolder.Of(outDir, records[i].Id);
            records[i] = records[i] with { Status = TrialStatus.Running, StartedAt = records[i].StartedAt ?? DateTimeOffset.UtcNow, Error = null };
            Save(outDir, records, records[i]);
            progress?.Invoke(new Progress(i, records.Count, records[i]));

            // Only a trial that was running continues (from its checkpoint); a failed one run again starts from nothing.
            var run = executor.Run(plan.Name, plan.Trials[i], plan.Eval, trialDir, resume: wasRunning, cancel);
            if (run.Cancelled) cancel.ThrowIfCancellationRequested(); // stays "running": a resume continues it
            records[i] = run.Outcome is { } o
                ? records[i] with { Status = TrialStatus.Finished, Metrics = o.Metrics, BestStep = o.BestStep, DataFingerprint = o.DataFingerprint, FinishedAt = DateTimeOffset.UtcNow }
                : records[i] with { Status = TrialStatus.Failed, Error = run.Error, FinishedAt = DateTimeOffset.UtcNow };
            Save(outDir, records, records[i]);
            progress?.Invoke(new Progress(i + 1, records.Count, records[i]));
        }
        return records;
    }

    private void Save(string outDir, List<TrialRecord> records, TrialRecord? changed)
    {
        TrialsFile.Write(outDir, records);
        if (store is null) return;
        if (changed is null) foreach (var r in records) store.Upsert(r);
        else store.Upsert(changed);
    }
}
