using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SharpTune.IO;

namespace SharpTune.Study.Recommendation;

/// <summary>Reads a sweep's trials.jsonl (one <see cref="TrialRecord"/> per line).</summary>
public static class TrialsFile
{
    public const string FileName = "trials.jsonl";

    // The status may be written as a name ("finished", any case) or as the enum's number; both are read.
    private static readonly JsonSerializerOptions Options = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>SWEEP_DIR/trials.jsonl, or the file itself when a file is given.</summary>
    public static string Locate(string sweepDirOrFile)
    {
        if (File.Exists(sweepDirOrFile)) return sweepDirOrFile;
        var path = Path.Combine(sweepDirOrFile, FileName);
        if (!Directory.Exists(sweepDirOrFile)) throw new SharpTuneException($"{sweepDirOrFile}: no such sweep folder (expected a folder holding {FileName})");
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: not found (expected the sweep's {FileName})");
        return path;
    }

    public static IReadOnlyList<TrialRecord> Read(string sweepDirOrFile)
    {
        var path = Locate(sweepDirOrFile);
        var list = new List<TrialRecord>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var node = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not a JSON object");
                // Settings are text by contract; a writer that emitted numbers ("rank": 8) is read as the same text.
                if (node["settings"] is JsonObject settings)
                    foreach (var (k, v) in settings.ToList())
                        if (v is JsonValue value && value.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                            settings[k] = value.GetValueKind() == JsonValueKind.Number
                                ? value.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)
                                : value.ToJsonString();
                list.Add(node.Deserialize<TrialRecord>(Options) ?? throw new JsonException("null record"));
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                throw new SharpTuneException($"{path} line {n}: not a trial record ({e.Message.Split('\n')[0]}); expected {{\"id\", \"settings\", \"status\", \"metrics\", …}}");
            }
        }
        return list;
    }
}
