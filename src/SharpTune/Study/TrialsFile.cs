using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// A sweep folder's <c>trials.jsonl</c>: one <see cref="TrialRecord"/> per line, the sweep's own record of every
/// trial (what `report` and `recommend` read). Only the sweep process writes it, whole and atomically.
/// </summary>
public static class TrialsFile
{
    public const string FileName = "trials.jsonl";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static string PathIn(string sweepDir) => Path.Combine(sweepDir, FileName);

    public static void Write(string sweepDir, IEnumerable<TrialRecord> trials) =>
        AtomicFile.WriteAllText(PathIn(sweepDir), string.Concat(trials.Select(t => JsonSerializer.Serialize(t, Json) + "\n")));

    public static List<TrialRecord> Read(string sweepDir)
    {
        var path = Directory.Exists(sweepDir) ? PathIn(sweepDir) : sweepDir;
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: not found (expected a sweep folder with {FileName})");
        var list = new List<TrialRecord>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try { list.Add(JsonSerializer.Deserialize<TrialRecord>(line, Json) ?? throw new JsonException("null")); }
            catch (JsonException e) { throw new SharpTuneException($"{path}:{n}: not a trial record ({e.Message.Split('\n')[0]})"); }
        }
        return list;
    }
}
