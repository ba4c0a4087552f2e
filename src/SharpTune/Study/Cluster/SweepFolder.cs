using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Study.Sweeps;

namespace SharpTune.Study.Cluster;

/// <summary>
/// SWEEP/sweep.json, the plan every worker reads its trial from by index: the sweep's name, eval options, per-trial
/// resources and its trials in order (id and settings). Written once, atomically, by the submitting command.
/// </summary>
public static class SweepFolder
{
    public const string PlanFile = "sweep.json";

    public static void WritePlan(string sweepDir, SweepPlan plan)
    {
        Directory.CreateDirectory(sweepDir);
        AtomicFile.WriteAllText(Path.Combine(sweepDir, PlanFile), JsonSerializer.Serialize(new
        {
            name = plan.Name,
            eval = plan.Eval,
            resources = plan.Resources,
            trials = plan.Trials.Select(t => new { id = t.Id(plan.Name), settings = t.Settings }),
        }, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }) + "\n");
    }

    public static SweepPlan ReadPlan(string sweepDir)
    {
        var path = Path.Combine(sweepDir, PlanFile);
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: not found (expected the sweep plan the submitting `sweep` wrote)");
        try
        {
            var doc = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            var name = (string?)doc["name"] ?? throw new FormatException("no name");
            var eval = doc["eval"]?.Deserialize<Dictionary<string, string>>() ?? [];
            var resources = doc["resources"]?.Deserialize<TrialResources>();
            var trials = doc["trials"]!.AsArray().Select(t => new TrialSpec(t!["settings"]!.Deserialize<Dictionary<string, string>>()!)).ToList();
            return new SweepPlan(name, trials, eval, resources);
        }
        catch (Exception e) when (e is JsonException or FormatException or NullReferenceException or InvalidOperationException)
        {
            throw new SharpTuneException($"{path}: not a sweep plan ({e.Message.ReplaceLineEndings(" ")})");
        }
    }
}
