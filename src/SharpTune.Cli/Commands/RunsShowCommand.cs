using System.ComponentModel;
using System.Text.Json.Nodes;
using SharpTune.Study;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`runs show ID`: one run's settings, provenance, final metrics and a summary of its training curve.</summary>
public sealed class RunsShowCommand : Command<RunsShowCommand.Settings>
{
    public sealed class Settings : RunsSettings
    {
        [CommandArgument(0, "<ID>")]
        [Description("Run id (or a unique prefix of it).")]
        public string Id { get; set; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var (store, location) = RunsView.Open(s);
        using var _ = store;
        var run = RunsView.Find(store, location, s.Id);
        var steps = store.Steps(run.Id);
        var summary = StepsSummary.Of(steps);

        if (s.Json)
        {
            RunsView.PrintJson(new JsonObject
            {
                ["store"] = location,
                ["run"] = RunsView.ToNode(run),
                ["steps_summary"] = RunsView.ToNode(summary),
                ["steps"] = RunsView.ToNode(steps),
            });
            return 0;
        }

        var console = Output.Current();
        var info = new Table().AddColumns("field", "value").HideHeaders();
        RunsView.Row(info, "id", run.Id);
        RunsView.Row(info, "sweep", run.Sweep ?? "–");
        RunsView.Row(info, "status", RunsView.Status(run.Status));
        if (run.Error is not null) RunsView.Row(info, "error", run.Error);
        RunsView.Row(info, "base model", run.BaseModel ?? "–");
        RunsView.Row(info, "data fingerprint", run.DataFingerprint ?? "–");
        RunsView.Row(info, "code version", run.CodeVersion ?? "–");
        RunsView.Row(info, "artifacts", run.ArtifactDir ?? "–");
        RunsView.Row(info, "started / finished", $"{RunsView.Time(run.StartedAt)} / {RunsView.Time(run.FinishedAt)}");
        RunsView.Row(info, "best step", run.BestStep?.ToString() ?? "–");
        console.Write(info);

        var settings = new Table().AddColumns("setting", "value");
        foreach (var (k, v) in run.Settings) RunsView.Row(settings, k, v);
        console.Write(settings);

        var scalars = RunsView.Scalars(run.Metrics);
        if (scalars.Count > 0)
        {
            var metrics = new Table().AddColumns("metric", "value");
            foreach (var (name, value) in scalars) RunsView.Row(metrics, name, RunsView.Format(name, value));
            foreach (var (cell, rate) in run.Metrics?.InjectionCells ?? new Dictionary<string, double>())
                RunsView.Row(metrics, $"injection {cell}", RunsView.FormatDouble(rate));
            console.Write(metrics);
        }
        else console.WriteLine("no metrics recorded");

        console.WriteLine(summary.Count == 0 ? "no steps recorded"
            : $"{summary.Count} steps recorded ({summary.FirstStep}…{summary.LastStep}); last loss {RunsView.FormatDouble(summary.LastLoss)}"
              + (summary.BestEvalLoss is { } b ? $"; best eval loss {RunsView.FormatDouble(b)} at step {summary.BestEvalStep}" : ""));
        return 0;
    }
}
