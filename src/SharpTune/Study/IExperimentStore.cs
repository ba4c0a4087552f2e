namespace SharpTune.Study;

/// <summary>
/// Where runs are recorded. The default is an embedded SQLite file; a shared server database (PostgreSQL, for
/// cluster sweeps) implements the same contract. Every write is one transaction, so a killed process leaves
/// either the old or the new state of a run, never a mix.
/// </summary>
public interface IExperimentStore : IDisposable
{
    /// <summary>Inserts the run or replaces the stored one with the same id.</summary>
    void Upsert(TrialRecord run);

    TrialRecord? Get(string id);

    /// <summary>All runs, oldest first; only those of one sweep when <paramref name="sweep"/> is given.</summary>
    IReadOnlyList<TrialRecord> List(string? sweep = null);

    /// <summary>Appends per-step metrics of a run (idempotent per step: a resumed run rewrites its steps).</summary>
    void AddSteps(string runId, IEnumerable<StepMetrics> steps);

    IReadOnlyList<StepMetrics> Steps(string runId);
}
