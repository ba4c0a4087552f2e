using SharpTune.IO;
using SharpTune.Training;

namespace SharpTune.Study.Sweeps;

/// <summary>
/// A trial's folder, SWEEP/trials/ID: its log (trial.log) and its run folder (run/, the `trial --out`), the same for
/// the local sweep, the cluster workers and the audit folds. Before an attempt the run folder is prepared here: the
/// attempt continues from its checkpoint when asked to and there is one; otherwise it starts from nothing, and
/// whatever an earlier attempt left (killed before its first checkpoint, or failed) is removed — `trial --out` would
/// refuse it, and it is not a result.
/// </summary>
public static class TrialFolder
{
    public const string LogFile = "trial.log";

    public static string Of(string sweepDir, string id) => Path.Combine(sweepDir, "trials", id);

    public static string Run(string trialDir) => Path.Combine(trialDir, "run");

    /// <summary>The record of a trial that has not run yet, pointing at its run folder (what a sweep writes for every trial).</summary>
    public static TrialRecord Pending(string sweep, TrialSpec spec, string id, string trialDir, string? codeVersion = null) => new()
    {
        Id = id, Sweep = sweep, Settings = spec.Settings, Status = TrialStatus.Pending, CodeVersion = codeVersion,
        BaseModel = spec.Settings.GetValueOrDefault("model"), ArtifactDir = Run(trialDir),
    };

    /// <summary>True when the attempt continues from the run folder's checkpoint (pass `--resume`).</summary>
    public static bool PrepareRun(string trialDir, bool continueIfPossible)
    {
        var runDir = Run(trialDir);
        if (!Directory.Exists(runDir)) return false;
        if (continueIfPossible && HasCheckpoint(runDir)) return true;
        Directory.Delete(runDir, recursive: true);
        return false;
    }

    private static bool HasCheckpoint(string runDir)
    {
        try { return Checkpoint.Find(runDir) is not null; }
        catch (SharpTuneException) { return true; } // a damaged checkpoint goes to `trial --resume`, which names the problem
    }
}
