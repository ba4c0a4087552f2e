using System.Text.Json;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Sweeps;

namespace SharpTune.Tests;

public class SweepRunnerTests
{
    /// <summary>Records every call; fails trials whose rank is "0"; can cancel on a chosen trial.</summary>
    private sealed class FakeExecutor : ITrialExecutor
    {
        public readonly List<(string Rank, bool Resume)> Calls = [];
        public string? CancelOnRank;
        public CancellationTokenSource? Cts;

        public TrialExecution Run(string sweep, TrialSpec trial, IReadOnlyDictionary<string, string> eval, string trialDir, bool resume, CancellationToken cancel)
        {
            var rank = trial.Settings["rank"];
            Calls.Add((rank, resume));
            if (rank == CancelOnRank) { Cts!.Cancel(); return new TrialExecution(null, "interrupted", Cancelled: true); }
            if (rank == "0") return new TrialExecution(null, "--rank 0: expected at least 1");
            return new TrialExecution(new TrialOutcome { Metrics = new TrialMetrics { Examples = 2, RougeL = int.Parse(rank) / 100.0 }, Steps = 3 }, null);
        }
    }

    private static SweepPlan Plan(params string[] ranks) =>
        SweepFile.Expand("s", new Dictionary<string, string> { ["method"] = "lora" }, [("rank", ranks.ToList())], [], new Dictionary<string, string>());

    [Fact]
    public void FailedTrialsAreRecordedWithTheirErrorAndTheSweepGoesOn()
    {
        var dir = Path.Combine(Shared.TempDir(), "sweep");
        var exec = new FakeExecutor();
        var records = new SweepRunner(exec).Run(Plan("4", "0", "8"), dir, resume: false);
        Assert.Equal(["4", "0", "8"], exec.Calls.Select(c => c.Rank));
        Assert.Equal([TrialStatus.Finished, TrialStatus.Failed, TrialStatus.Finished], records.Select(r => r.Status));
        Assert.Equal("--rank 0: expected at least 1", records[1].Error);
        // trials.jsonl holds the same, readable back.
        var stored = TrialsFile.Read(dir);
        Assert.Equal(records.Select(r => (r.Id, r.Status, r.Metrics?.RougeL)), stored.Select(r => (r.Id, r.Status, r.Metrics?.RougeL)));
        Assert.Contains("\"status\":\"Failed\"", File.ReadAllText(TrialsFile.PathIn(dir)));
    }

    [Fact]
    public void AKilledSweepResumesTheRunningTrialFromItsCheckpointAndNeverRerunsAFinishedOne()
    {
        var dir = Path.Combine(Shared.TempDir(), "sweep");
        var cts = new CancellationTokenSource();
        var exec = new FakeExecutor { CancelOnRank = "8", Cts = cts };
        Assert.ThrowsAny<OperationCanceledException>(() => new SweepRunner(exec).Run(Plan("4", "8", "16"), dir, resume: false, cancel: cts.Token));
        var mid = TrialsFile.Read(dir);
        Assert.Equal([TrialStatus.Finished, TrialStatus.Running, TrialStatus.Pending], mid.Select(r => r.Status));

        // Without --resume the folder is refused; with it, only rank 8 (resumed) and 16 run.
        var e = Assert.Throws<SharpTuneException>(() => new SweepRunner(new FakeExecutor()).Run(Plan("4", "8", "16"), dir, resume: false));
        Assert.Contains("--resume", e.Message);
        var again = new FakeExecutor();
        var records = new SweepRunner(again).Run(Plan("4", "8", "16"), dir, resume: true);
        Assert.Equal([("8", true), ("16", false)], again.Calls);
        Assert.All(records, r => Assert.Equal(TrialStatus.Finished, r.Status));
        // A third run finds nothing to do.
        var third = new FakeExecutor();
        new SweepRunner(third).Run(Plan("4", "8", "16"), dir, resume: true);
        Assert.Empty(third.Calls);
    }

    [Fact]
    public void OnlyRunsTheSelectedTrialsAndLeavesTheRestPendingForALaterResume()
    {
        var dir = Path.Combine(Shared.TempDir(), "sweep");
        var plan = Plan("4", "8", "16");
        var first = new FakeExecutor();
        var records = new SweepRunner(first).Run(plan, dir, resume: false, only: t => t.Settings["rank"] != "8");
        Assert.Equal([("4", false), ("16", false)], first.Calls);
        Assert.Equal([TrialStatus.Finished, TrialStatus.Pending, TrialStatus.Finished], records.Select(r => r.Status));
        Assert.Equal(TrialStatus.Pending, TrialsFile.Read(dir).Single(r => r.Settings["rank"] == "8").Status);
        var second = new FakeExecutor();
        new SweepRunner(second).Run(plan, dir, resume: true);
        Assert.Equal([("8", false)], second.Calls);
    }

    [Fact]
    public void OnlyRefusesASettingNoTrialHas()
    {
        var e = Assert.Throws<SharpTuneException>(() => SharpTune.Cli.Commands.SweepCommand.Only(["sed=1"], Plan("4", "8")));
        Assert.Contains("--only sed=1", e.Message);
        Assert.Contains("rank", e.Message);
        var keep = SharpTune.Cli.Commands.SweepCommand.Only(["rank=4,16"], Plan("4", "8"));
        Assert.Equal([true, false], Plan("4", "8").Trials.Select(keep));
    }
}
