using System.Text.Json;
using SharpTune.IO;
using SharpTune.Training;

namespace SharpTune.Recipes;

/// <summary>A run folder's <c>run.json</c>: what the run is (written before training) and how it ended (rewritten after).</summary>
public static class RunJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(string outDir, Dictionary<string, object?> run) =>
        AtomicFile.WriteAllText(Path.Combine(outDir, "run.json"), JsonSerializer.Serialize(run, Indented));

    /// <summary>Adds how the run ended — and which step the saved result is (the best dev loss when evaluating) — and rewrites the file.</summary>
    public static void WriteOutcome(string outDir, Dictionary<string, object?> run, TrainResult result)
    {
        run["steps"] = result.Steps;
        run["best_step"] = result.BestStep;
        run["best_eval_loss"] = result.BestEvalLoss;
        run["stopped_early"] = result.StoppedEarly;
        run["cancelled"] = result.Cancelled;
        Write(outDir, run);
    }
}
