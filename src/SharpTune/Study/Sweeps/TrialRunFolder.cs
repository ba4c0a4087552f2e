using SharpTune.IO;
using SharpTune.Training;

namespace SharpTune.Study.Sweeps;

/// <summary>
/// A trial's run folder (TRIAL/run) before an attempt: the attempt continues from its checkpoint when asked to and
/// there is one; otherwise it starts from nothing, and whatever an earlier attempt left (killed before its first
/// checkpoint, or failed) is removed — `trial --out` would refuse it, and it is not a result. The local sweep, the
/// cluster worker and the audit folds all decide this here.
/// </summary>
public static class TrialRunFolder
{
    public static string Of(string trialDir) => Path.Combine(trialDir, "run");

    /// <summary>True when the attempt continues from the run folder's checkpoint (pass `--resume`).</summary>
    public static bool Prepare(string trialDir, bool continueIfPossible)
    {
        var runDir = Of(trialDir);
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
