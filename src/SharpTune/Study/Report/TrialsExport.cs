using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using SharpTune.IO;

namespace SharpTune.Study.Report;

/// <summary>
/// The report's data beside its page: trials.jsonl (every record as the store keeps it) and trials.csv (one row per
/// trial: id, sweep, status, every setting, best step, every metric flattened — injection cells as
/// "injection_cells.KIND/POSITION"), so the study's numbers can be committed and read without SharpTune.
/// </summary>
public static class TrialsExport
{
    public const string JsonlFile = "trials.jsonl";
    public const string CsvFile = "trials.csv";

    public static void Write(IReadOnlyList<TrialRecord> trials, string outDir)
    {
        TrialsFile.Write(outDir, trials); // trials.jsonl, the same format a sweep folder holds
        var rows = trials.Select(Flatten).ToList();
        var settings = trials.SelectMany(t => t.Settings.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var metrics = rows.SelectMany(r => r.Metrics.Keys).Distinct().ToList(); // TrialMetrics' own order
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, CsvWriterOptions.Default, false))
        {
            foreach (var h in new[] { "id", "sweep", "status" }.Concat(settings).Append("best_step").Concat(metrics)) csv.WriteField(h);
            csv.EndRecord();
            foreach (var (t, r) in trials.Zip(rows))
            {
                csv.WriteField(t.Id); csv.WriteField(t.Sweep); csv.WriteField(t.Status.ToString().ToLowerInvariant());
                foreach (var k in settings) csv.WriteField(t.Get(k));
                csv.WriteField(t.BestStep?.ToString(CultureInfo.InvariantCulture));
                foreach (var k in metrics) csv.WriteField(r.Metrics.GetValueOrDefault(k));
                csv.EndRecord();
            }
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, CsvFile), text.ToString());
    }

    private static (TrialRecord Trial, Dictionary<string, string?> Metrics) Flatten(TrialRecord t)
    {
        var flat = new Dictionary<string, string?>();
        if (t.Metrics is not null && JsonSerializer.SerializeToNode(t.Metrics) is JsonObject o) Add(o, "", flat);
        return (t, flat);
    }

    private static void Add(JsonObject o, string prefix, Dictionary<string, string?> flat)
    {
        foreach (var (k, v) in o)
        {
            if (v is JsonObject inner) Add(inner, prefix + k + ".", flat);
            else flat[prefix + k] = v is JsonValue value ? Scalar(value) : v?.ToJsonString();
        }
    }

    private static string? Scalar(JsonValue v) => v.GetValueKind() switch
    {
        JsonValueKind.String => v.GetValue<string>(),
        JsonValueKind.Number => v.GetValue<double>().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
