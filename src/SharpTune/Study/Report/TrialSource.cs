using SharpTune.IO;

namespace SharpTune.Study.Report;

/// <summary>
/// Where the report's trials come from. Today a sweep folder's trials.jsonl (one <see cref="TrialRecord"/> per line,
/// as the sweep runner writes it); an <see cref="IExperimentStore"/> gives the same list, so the report never
/// depends on which one was used.
/// </summary>
public static class TrialSource
{
    public const string TrialsFile = Study.TrialsFile.FileName;

    /// <summary>The trials of a sweep folder (SWEEP_DIR/trials.jsonl).</summary>
    public static IReadOnlyList<TrialRecord> FromSweepDir(string sweepDir)
    {
        if (!Directory.Exists(sweepDir)) throw new SharpTuneException($"{sweepDir}: no such sweep folder");
        return Study.TrialsFile.Read(sweepDir);
    }

    /// <summary>The runs of one sweep (or all runs) of a store.</summary>
    public static IReadOnlyList<TrialRecord> FromStore(IExperimentStore store, string? sweep) => store.List(sweep);
}
