using System.Text.Json;
using System.Text.Json.Serialization;
using SharpTune.IO;

namespace SharpTune.Study.Report;

/// <summary>
/// Where the report's trials come from. Today a sweep folder's trials.jsonl (one <see cref="TrialRecord"/> per line,
/// as the sweep runner writes it); an <see cref="IExperimentStore"/> gives the same list, so the report never
/// depends on which one was used.
/// </summary>
public static class TrialSource
{
    public const string TrialsFile = "trials.jsonl";

    /// <summary>Status may be written as a name ("finished", any case) or as the enum's number.</summary>
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The trials of a sweep folder (SWEEP_DIR/trials.jsonl).</summary>
    public static IReadOnlyList<TrialRecord> FromSweepDir(string sweepDir)
    {
        if (!Directory.Exists(sweepDir)) throw new SharpTuneException($"{sweepDir}: no such sweep folder");
        var path = Path.Combine(sweepDir, TrialsFile);
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: not found (expected the sweep's {TrialsFile}, one trial per line)");
        return ReadJsonl(path);
    }

    /// <summary>The runs of one sweep (or all runs) of a store.</summary>
    public static IReadOnlyList<TrialRecord> FromStore(IExperimentStore store, string? sweep) => store.List(sweep);

    /// <summary>
    /// Reads one trial per non-blank line. A trial id seen twice keeps its last line: a resumed sweep appends the
    /// finished record of a trial whose earlier line said it was running.
    /// </summary>
    public static IReadOnlyList<TrialRecord> ReadJsonl(string path)
    {
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<TrialRecord>();
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            TrialRecord? t;
            try { t = JsonSerializer.Deserialize<TrialRecord>(line, Json); }
            catch (JsonException e) { throw new SharpTuneException($"{path}:{lineNo}: not a trial record ({FirstLine(e.Message)})"); }
            if (t is null) throw new SharpTuneException($"{path}:{lineNo}: expected a JSON object, got null");
            if (byId.TryGetValue(t.Id, out var at)) list[at] = t;
            else { byId[t.Id] = list.Count; list.Add(t); }
        }
        return list;
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
