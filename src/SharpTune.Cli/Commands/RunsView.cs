using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Study;
using Spectre.Console;

namespace SharpTune.Cli.Commands;

/// <summary>What the `runs` commands share: opening the store read-only-ish, finding a run by id, printing values.</summary>
internal static class RunsView
{
    /// <summary>The metrics a person compares first; `--json` carries all of them.</summary>
    public static readonly string[] KeyMetrics =
    [
        "rougeL", "rouge1", "chrf", "dev_loss", "unsupported_token_rate", "injection_success_rate",
        "noise_memorisation_rate", "canary_leak_rate", "trainable_parameters", "train_seconds", "peak_rss_bytes",
    ];

    /// <summary>Opens the store; reading never creates one, so a mistyped path is an error rather than an empty list.</summary>
    public static (IExperimentStore Store, string Location) Open(RunsSettings s)
    {
        var location = ExperimentStores.Resolve(s.Store);
        return (ExperimentStores.Open(location, create: false), location);
    }

    /// <summary>The run with this id, or the only one whose id starts with it (ids are long; prefixes are what people type).</summary>
    public static TrialRecord Find(IExperimentStore store, string location, string id)
    {
        if (store.Get(id) is { } exact) return exact;
        var matches = store.List().Where(r => r.Id.StartsWith(id, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new SharpTuneException($"{location}: no run with id {id} (see `sharptune runs list`)"),
            _ => throw new SharpTuneException($"{location}: id prefix {id} matches {matches.Count} runs ({string.Join(", ", matches.Take(5).Select(r => r.Id))}{(matches.Count > 5 ? ", …" : "")}); give more of the id"),
        };
    }

    /// <summary>The scalar metrics by their JSON names (the --json contract), in declaration order, nulls left out.</summary>
    public static IReadOnlyList<(string Name, JsonNode Value)> Scalars(TrialMetrics? metrics)
    {
        if (metrics is null) return [];
        var obj = JsonSerializer.SerializeToNode(metrics, ExperimentJson.Options)!.AsObject();
        return obj.Where(p => p.Value is JsonValue).Select(p => (p.Key, p.Value!)).ToList();
    }

    public static JsonNode? Metric(TrialMetrics? metrics, string name) =>
        Scalars(metrics).FirstOrDefault(p => p.Name == name).Value;

    /// <summary>A metric as a person reads it: counts with thousands separators, rates and scores with a few decimals.</summary>
    public static string Format(string name, JsonNode? value)
    {
        if (value is null) return "–";
        var v = value.AsValue();
        // Integral doubles serialise as "1"; the member's type, not the text, says whether it is a count.
        if (IntegerMetrics.Contains(name) && v.TryGetValue<long>(out var l)) return l.ToString("N0", CultureInfo.InvariantCulture);
        if (v.TryGetValue<double>(out var d)) return FormatDouble(d);
        if (v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var named)) return FormatDouble(named);
        return value.ToJsonString();
    }

    private static readonly HashSet<string> IntegerMetrics = typeof(TrialMetrics).GetProperties()
        .Where(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is var t && (t == typeof(int) || t == typeof(long)))
        .Select(p => p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), false)
            .Cast<System.Text.Json.Serialization.JsonPropertyNameAttribute>().Single().Name)
        .ToHashSet();

    public static string FormatDouble(double? d) => d switch
    {
        null => "–",
        { } x when double.IsNaN(x) || double.IsInfinity(x) => x.ToString(CultureInfo.InvariantCulture),
        { } x when Math.Abs(x) >= 1000 => x.ToString("N0", CultureInfo.InvariantCulture),
        { } x when Math.Abs(x) >= 10 => x.ToString("F2", CultureInfo.InvariantCulture),
        { } x => x.ToString("F4", CultureInfo.InvariantCulture),
    };

    public static string Time(DateTimeOffset? t) => t?.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture) ?? "–";

    public static string Status(TrialStatus s) => ExperimentJson.StatusName(s);

    public static string FirstLine(string? text) => text is null ? "" : text.Split('\n', 2)[0].TrimEnd('\r');

    /// <summary>Adds a row of plain text (Spectre reads strings as markup; ids and errors contain '[').</summary>
    public static void Row(Table table, params string[] cells) => table.AddRow(cells.Select(Markup.Escape).ToArray());

    public static void PrintJson(JsonNode doc) => Console.WriteLine(doc.ToJsonString(ExperimentJson.Indented));

    public static JsonNode ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, ExperimentJson.Options)!;
}
