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
        [Description("Only runs with this status: pending, running, finished or failed.")]
        public string? Status { get; set; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        TrialStatus? status = null;
        if (s.Status is not null)
            status = ExperimentJson.TryParseStatus(s.Status, out var st) ? st
                : throw new SharpTuneException($"--status {s.Status}: expected pending, running, finished or failed");
        var (store, location) = RunsView.Open(s);
        using var _ = store;
        var runs = store.List(s.Sweep).Where(r => status is null || r.Status == status).ToList();

        if (s.Json)
        {
            RunsView.PrintJson(new JsonObject
            {
                ["store"] = location,
                ["runs"] = new JsonArray(runs.Select(r => RunsView.ToNode(r)).ToArray()),
            });
            return 0;
        }
        if (runs.Count == 0)
        {
            Console.WriteLine($"no runs in {location}{(s.Sweep is null ? "" : $" for sweep {s.Sweep}")}{(status is null ? "" : $" with status {RunsView.Status(status.Value)}")}");
            return 0;
        }
        var table = new Table().AddColumns("id", "sweep", "status", "settings", "rougeL", "chrF", "dev loss", "started");
        foreach (var r in runs)
            RunsView.Row(table, r.Id, r.Sweep ?? "–", RunsView.Status(r.Status),
                string.Join(" ", r.Settings.Select(kv => $"{kv.Key}={kv.Value}")),
                RunsView.FormatDouble(r.Metrics?.RougeL), RunsView.FormatDouble(r.Metrics?.Chrf), RunsView.FormatDouble(r.Metrics?.DevLoss),
                RunsView.Time(r.StartedAt));
        var console = Output.Current();
        console.Write(table);
        console.WriteLine($"{runs.Count} run(s) in {location}");
        return 0;
    }
}
