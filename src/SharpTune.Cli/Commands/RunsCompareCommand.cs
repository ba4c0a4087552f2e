using System.ComponentModel;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Study;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`runs compare ID ID…`: the runs side by side — only the settings that differ, then the key metrics.</summary>
public sealed class RunsCompareCommand : Command<RunsCompareCommand.Settings>
{
    public sealed class Settings : RunsSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("Two or more run ids (or unique prefixes).")]
        public string[] Ids { get; set; } = [];

        public override ValidationResult Validate() =>
            Ids.Length < 2 ? ValidationResult.Error("runs compare needs at least two run ids") : base.Validate();
    }

    /// <summary>Record fields besides the settings that tell runs apart (shown only where they differ).</summary>
    private static readonly (string Name, Func<TrialRecord, string?> Get)[] Fields =
    [
        ("sweep", r => r.Sweep),
        ("status", r => RunsView.Status(r.Status)),
        ("base_model", r => r.BaseModel),
        ("data_fingerprint", r => r.DataFingerprint),
        ("code_version", r => r.CodeVersion),
        ("best_step", r => r.BestStep?.ToString()),
    ];

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var (store, location) = RunsView.Open(s);
        using var _ = store;
        var runs = s.Ids.Select(id => RunsView.Find(store, location, id)).ToList();
        if (runs.GroupBy(r => r.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new SharpTuneException($"run {twice.Key} is given more than once");

        // Keys in the order they first appear, so the table reads like the runs' own settings.
        var keys = runs.SelectMany(r => r.Settings.Keys).Distinct().ToList();
        var differing = keys.Where(k => runs.Select(r => r.Get(k)).Distinct().Count() > 1).ToList();
        var common = keys.Except(differing).ToList();
        var fields = Fields.Where(f => runs.Select(f.Get).Distinct().Count() > 1).ToList();
        var metricNames = runs.SelectMany(r => RunsView.Scalars(r.Metrics).Select(m => m.Name)).Distinct().ToList();

        if (s.Json)
        {
            JsonObject PerRun(Func<TrialRecord, JsonNode?> value)
            {
                var o = new JsonObject();
                foreach (var r in runs) o[r.Id] = value(r);
                return o;
            }
            var doc = new JsonObject
            {
                ["store"] = location,
                ["ids"] = new JsonArray(runs.Select(r => (JsonNode)r.Id).ToArray()),
                ["differing_settings"] = Object(differing, k => PerRun(r => r.Get(k))),
                ["common_settings"] = Object(common, k => runs[0].Get(k)),
                ["differing_fields"] = Object(fields.Select(f => f.Name), n => PerRun(r => Fields.Single(f => f.Name == n).Get(r))),
                ["metrics"] = Object(metricNames, m => PerRun(r => RunsView.Metric(r.Metrics, m)?.DeepClone())),
                ["runs"] = new JsonArray(runs.Select(r => RunsView.ToNode(r)).ToArray()),
            };
            RunsView.PrintJson(doc);
            return 0;
        }

        var table = new Table().AddColumn("");
        foreach (var r in runs) table.AddColumn(Markup.Escape(r.Id));
        void Line(string label, Func<TrialRecord, string> cell) => RunsView.Row(table, [label, .. runs.Select(cell)]);
        foreach (var k in differing) Line(k, r => r.Get(k) ?? "–");
        foreach (var (name, get) in fields) Line(name, r => get(r) ?? "–");
        if (differing.Count + fields.Count > 0 && metricNames.Count > 0) table.AddEmptyRow();
        foreach (var m in RunsView.KeyMetrics.Where(metricNames.Contains))
            Line(m, r => RunsView.Format(m, RunsView.Metric(r.Metrics, m)));
        var console = Output.Current();
        console.Write(table);
        console.WriteLine(common.Count == 0 ? "no settings in common"
            : "in common: " + string.Join(" ", common.Select(k => $"{k}={runs[0].Get(k)}")));
        return 0;
    }

    private static JsonObject Object(IEnumerable<string> keys, Func<string, JsonNode?> value)
    {
        var o = new JsonObject();
        foreach (var k in keys) o[k] = value(k);
        return o;
    }
}
