using System.ComponentModel;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Study;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`runs list`: the recorded runs, oldest first, optionally of one sweep or one status.</summary>
public sealed class RunsListCommand : Command<RunsListCommand.Settings>
{
    public sealed class Settings : RunsSettings
    {
        [CommandOption("--sweep <NAME>")]
        [Description("Only the runs of this sweep.")]
        public string? Sweep { get; set; }

        [CommandOption("--status <STATUS>")]
        [Description("Only runs with this status: pending, running, finished, failed or cancelled.")]
        public string? Status { get; set; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        TrialStatus? status = null;
        if (s.Status is not null)
            status = ExperimentJson.TryParseStatus(s.Status, out var st) ? st
                : throw new SharpTuneException($"--status {s.Status}: expected pending, running, finished, failed or cancelled");
        var (store, location) = RunsView.Open(s);
        using var _ = store;
        var runs = store.List(s.Sweep).Where(r => status is null || r.Status == status).ToList();

        if (s.Json)
        {
            // A JSON array, one object per run (scripts pipe it to jq); "options" is the same map as "settings", the
            // name the train options go by on the command line.
            RunsView.PrintJson(new JsonArray(runs.Select(r =>
            {
                var node = RunsView.ToNode(r).AsObject();
                node["options"] = node["settings"]!.DeepClone();
                return (JsonNode)node;
            }).ToArray()));
            return 0;
        }
        if (runs.Count == 0)
        {
            Console.WriteLine($"no runs in {location}{(s.Sweep is null ? "" : $" for sweep {s.Sweep}")}{(status is null ? "" : $" with status {RunsView.Status(status.Value)}")}");
            return 0;
        }
        // Only what tells the listed runs apart: settings shared by all of them go below the table, once.
        var keys = runs.SelectMany(r => r.Settings.Keys).Distinct().ToList();
        var varying = keys.Where(k => runs.Select(r => r.Get(k)).Distinct().Count() > 1).ToList();
        var common = keys.Except(varying).ToList();
        bool sweeps = runs.Select(r => r.Sweep).Distinct().Count() > 1;

        var table = new Table();
        table.AddColumn(new TableColumn("id").NoWrap());
        if (sweeps) table.AddColumn("sweep");
        table.AddColumn(new TableColumn("status").NoWrap());
        table.AddColumns(varying.Count > 0 ? "settings" : "", "rougeL", "chrF", "dev_loss");
        table.AddColumn(new TableColumn("started").NoWrap());
        foreach (var r in runs)
        {
            var cells = new List<string> { r.Id };
            if (sweeps) cells.Add(r.Sweep ?? "–");
            cells.Add(RunsView.Status(r.Status));
            cells.Add(string.Join("\n", varying.Where(k => r.Get(k) is not null).Select(k => $"{k}={r.Get(k)}")));
            cells.Add(RunsView.FormatDouble(r.Metrics?.RougeL));
            cells.Add(RunsView.FormatDouble(r.Metrics?.Chrf));
            cells.Add(RunsView.FormatDouble(r.Metrics?.DevLoss));
            cells.Add(r.StartedAt?.ToString("MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "–");
            RunsView.Row(table, [.. cells]);
        }
        var console = Output.Current();
        console.Write(table);
        if (common.Count > 0) console.WriteLine("all with: " + string.Join(" ", common.Select(k => $"{k}={runs[0].Get(k)}")));
        console.WriteLine($"{runs.Count} run(s) in {location}");
        return 0;
    }
}
