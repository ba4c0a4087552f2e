using System.ComponentModel;
using System.Text.Json.Nodes;
using SharpTune.Cli.Options;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Cluster;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune sweep status SWEEP_DIR`: a cluster sweep's progress from the store and the scheduler's queue, whether
/// the submitting command waits or detached. When the array has left the queue, trials it never started are marked
/// cancelled; SWEEP/trials.jsonl is refreshed from the store so `report`/`recommend` read the current state.
/// </summary>
public sealed class SweepStatusCommand : Command<SweepStatusCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandArgument(0, "<SWEEP_DIR>")] [Description("The sweep folder (--out of `sweep`).")]
        public string Dir { get; set; } = "";
        [CommandOption("--store <URI>")] [Description("The store (default: cluster.json's; for a local sweep, $SHARPTUNE_STORE or runs/sharptune.db).")]
        public string? Store { get; set; }
        [CommandOption("--json")] [Description("Print one JSON object (counts, queue, trials).")]
        public bool Json { get; set; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var plan = SweepFolder.ReadPlan(s.Dir);
        var job = ClusterJob.TryRead(s.Dir);
        var location = s.Store ?? job?.Store ?? ExperimentStores.Resolve(null);
        IReadOnlyList<TrialRecord> records;
        Dictionary<int, string> tasks = [];
        if (job is null || !ExperimentStores.IsShared(location))
            records = File.Exists(TrialsFile.PathIn(s.Dir)) ? TrialsFile.Read(s.Dir) : [];
        else
        {
            using var store = ExperimentStores.Open(location, create: false);
            var runner = new ClusterSweepRunner(store);
            if (job.Executor == "slurm" && job.Jobs.Count > 0 && Slurm.Available())
            {
                tasks = Slurm.Tasks(job.Jobs);
                if (tasks.Count == 0) runner.Settle(plan, runner.Records(plan));
            }
            records = runner.Records(plan);
            TrialsFile.Write(s.Dir, records);
        }
        if (s.Json)
        {
            RunsView.PrintJson(new JsonObject
            {
                ["sweep"] = plan.Name,
                ["jobs"] = new JsonArray((job?.Jobs ?? []).Select(j => (JsonNode)j!).ToArray()),
                ["queued"] = new JsonObject(tasks.OrderBy(t => t.Key).Select(t => KeyValuePair.Create(t.Key.ToString(), (JsonNode?)t.Value))),
                ["counts"] = new JsonObject(Enum.GetValues<TrialStatus>().Select(st => KeyValuePair.Create(ExperimentJson.StatusName(st), (JsonNode?)records.Count(r => r.Status == st)))),
                ["trials"] = new JsonArray(records.Select(r => RunsView.ToNode(r)).ToArray()),
            });
            return 0;
        }
        Console.WriteLine($"sweep {plan.Name} ({s.Dir}){(job is null ? "" : $", {job.Executor} job(s) {string.Join(", ", job.Jobs)}")}");
        Console.WriteLine(ClusterSweepRunner.Progress(records, tasks));
        var varying = records.SelectMany(r => r.Settings.Keys).Distinct().Where(k => records.Select(r => r.Get(k)).Distinct().Count() > 1).ToList();
        var table = new Table();
        table.AddColumns("#", "id", "status", "settings", "queue", "rougeL", "error");
        for (int i = 0; i < records.Count; i++)
        {
            var r = records[i];
            RunsView.Row(table, i.ToString(), r.Id, RunsView.Status(r.Status), string.Join(" ", varying.Select(k => $"{k}={r.Get(k)}")),
                tasks.GetValueOrDefault(i, "").ToLowerInvariant(), RunsView.FormatDouble(r.Metrics?.RougeL), RunsView.FirstLine(r.Error));
        }
        Output.Current().Write(table);
        return 0;
    }
}
