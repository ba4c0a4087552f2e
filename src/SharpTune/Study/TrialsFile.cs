using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// A sweep folder's <c>trials.jsonl</c>: one <see cref="TrialRecord"/> per line, the sweep's own record of every
/// trial (what `report` and `recommend` read). Only the sweep process writes it, whole and atomically. The one reader
/// of the format: status as a name (any case) or the enum's number, settings written as numbers read as text, and a
/// trial id seen twice keeps its last line (a resumed or concatenated file).
/// </summary>
public static class TrialsFile
{
    public const string FileName = "trials.jsonl";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static string PathIn(string sweepDir) => Path.Combine(sweepDir, FileName);

    public static void Write(string sweepDir, IEnumerable<TrialRecord> trials) =>
        AtomicFile.WriteAllText(PathIn(sweepDir), string.Concat(trials.Select(t => JsonSerializer.Serialize(t, Json) + "\n")));

    /// <summary>SWEEP_DIR/trials.jsonl, or the file itself when a file is given.</summary>
    public static string Locate(string sweepDirOrFile)
    {
        if (File.Exists(sweepDirOrFile)) return sweepDirOrFile;
        if (!Directory.Exists(sweepDirOrFile)) throw new SharpTuneException($"{sweepDirOrFile}: no such sweep folder (expected a folder holding {FileName})");
        var path = PathIn(sweepDirOrFile);
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: not found (expected the sweep's {FileName}, one trial per line)");
        return path;
    }

    public static List<TrialRecord> Read(string sweepDirOrFile)
    {
        var path = Locate(sweepDirOrFile);
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<TrialRecord>();
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            TrialRecord t;
            try
            {
                var node = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not a JSON object");
                if (node["status"] is JsonValue status && status.GetValueKind() == JsonValueKind.String)
                    node["status"] = status.GetValue<string>().ToLowerInvariant() switch
                    {
                        "pending" => 0, "running" => 1, "finished" => 2, "failed" => 3, "cancelled" => 4,
                        var other => throw new JsonException($"unknown status '{other}'"),
                    };
                // Settings are text by contract; a writer that emitted numbers ("rank": 8) is read as the same text.
                if (node["settings"] is JsonObject settings)
                    foreach (var (k, v) in settings.ToList())
                        if (v is JsonValue value && value.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                            settings[k] = value.GetValueKind() == JsonValueKind.Number
                                ? value.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)
                                : value.ToJsonString();
                t = node.Deserialize<TrialRecord>(NumericStatus) ?? throw new JsonException("null record");
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                throw new SharpTuneException($"{path} line {n}: not a trial record ({e.Message.Split('\n')[0].Trim()}); expected {{\"id\", \"settings\", \"status\", \"metrics\", …}}");
            }
            if (byId.TryGetValue(t.Id, out var at)) list[at] = t;
            else { byId[t.Id] = list.Count; list.Add(t); }
        }
        return list;
    }

    // The status was normalised to its number above; read it as a number whatever the enum's own converter says.
    private static readonly JsonSerializerOptions NumericStatus = new() { Converters = { new NumericStatusConverter() } };

    private sealed class NumericStatusConverter : System.Text.Json.Serialization.JsonConverter<TrialStatus>
    {
        public override TrialStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var v = reader.GetInt32();
            return Enum.IsDefined(typeof(TrialStatus), v) ? (TrialStatus)v : throw new JsonException($"unknown status {v}");
        }

        public override void Write(Utf8JsonWriter writer, TrialStatus value, JsonSerializerOptions options) => writer.WriteNumberValue((int)value);
    }
}
