using System.Text.Json;
using SharpTune.Study;

namespace SharpTune.Tests;

/// <summary>`sweep` end to end: real trial processes on the tiny fixture.</summary>
[Collection("console")]
public class SweepCommandTests
{
    [Fact]
    public void GridTrialsRunInTheirOwnProcessesFailuresAreRecordedAndResumeRunsNothingTwice()
    {
        var data = TinyFixture.DataFile(16);
        var dev = TinyFixture.DataFile(3, skip: 100);
        var outDir = Path.Combine(Shared.TempDir(), "sweep");
        var storePath = Path.Combine(Shared.TempDir(), "store.db");
        string[] args = ["sweep", "--model", TinyFixture.ModelDir, "--data", data, "--dev", dev, "--max-steps", "2", "--batch-size", "4",
                         "--max-length", "256", "--grid", "rank=2,0", "--eval-limit", "2", "--eval-injection-limit", "1", "--out", outDir, "--store", storePath];
        var (code, output, err) = CliRunner.Run(args);
        Assert.True(code == 0, output + err);
        var trials = TrialsFile.Read(outDir);
        Assert.Equal(2, trials.Count);
        var ok = trials.Single(t => t.Settings["rank"] == "2");
        Assert.Equal(TrialStatus.Finished, ok.Status);
        Assert.Equal(2, ok.Metrics!.Examples);
        Assert.InRange(ok.Metrics.RougeL!.Value, 0, 1);
        Assert.NotNull(ok.Metrics.InjectionSuccessRate);
        Assert.True(ok.Metrics.TrainableParameters > 0);
        Assert.True(File.Exists(Path.Combine(outDir, "trials", ok.Id, "run", "adapter_model.safetensors")));
        // The child's one-line validation error is the failed trial's error.
        var bad = trials.Single(t => t.Settings["rank"] == "0");
        Assert.Equal(TrialStatus.Failed, bad.Status);
        Assert.Contains("--rank", bad.Error);

        // The experiment store holds the same trials.
        using (var store = SharpTune.Study.ExperimentStores.Open(storePath, create: false))
            Assert.Equal(trials.Select(t => (t.Id, t.Status)).OrderBy(x => x.Id), store.List("sweep").Select(t => (t.Id, t.Status)).OrderBy(x => x.Id));

        var log = Path.Combine(outDir, "trials", ok.Id, "trial.log");
        var before = File.ReadAllText(log);
        (code, output, err) = CliRunner.Run([.. args, "--resume"]);
        Assert.True(code == 0, output + err);
        Assert.Equal(before, File.ReadAllText(log)); // the finished trial was not started again
        var badLog = Path.Combine(outDir, "trials", bad.Id, "trial.log");
        int Starts() => File.ReadLines(badLog).Count(l => l.StartsWith("# "));
        Assert.Equal(1, Starts()); // --resume alone leaves the failed trial failed
        (code, output, err) = CliRunner.Run([.. args, "--resume", "--retry-failed"]);
        Assert.True(code == 0, output + err);
        Assert.Equal(2, Starts()); // run again (and failed again: rank 0 is refused every time)
        Assert.Equal(before, File.ReadAllText(log));
        Assert.Equal(TrialStatus.Failed, TrialsFile.Read(outDir).Single(t => t.Id == bad.Id).Status);

        // A sweep killed while a trial was starting (its record says running, its run folder exists, no checkpoint
        // was written yet — what a machine lost mid-trial leaves once the record is restored): resume starts that trial
        // afresh instead of failing it for want of a checkpoint.
        var runDir = Path.Combine(outDir, "trials", ok.Id, "run");
        Directory.Delete(runDir, recursive: true);
        Directory.CreateDirectory(runDir);
        File.WriteAllText(Path.Combine(runDir, "train.log"), "step 1 ...\n");
        TrialsFile.Write(outDir, TrialsFile.Read(outDir).Select(t => t.Id == ok.Id ? t with { Status = TrialStatus.Running, Metrics = null } : t));
        (code, output, err) = CliRunner.Run([.. args, "--resume"]);
        Assert.True(code == 0, output + err);
        var again = TrialsFile.Read(outDir).Single(t => t.Id == ok.Id);
        Assert.True(again.Status == TrialStatus.Finished, again.Error);
        Assert.True(File.Exists(Path.Combine(runDir, "adapter_model.safetensors")));

        // A failed trial retried starts from nothing, whatever its failed attempt left in its run folder (here a
        // whole finished run, checkpoint and all): neither refused as an existing --out nor continued from it.
        TrialsFile.Write(outDir, TrialsFile.Read(outDir).Select(t => t.Id == ok.Id ? t with { Status = TrialStatus.Failed, Metrics = null, Error = "lost" } : t));
        Assert.NotNull(SharpTune.Training.Checkpoint.Find(runDir));
        (code, output, err) = CliRunner.Run([.. args, "--resume", "--retry-failed"]);
        Assert.True(code == 0, output + err);
        var retried = TrialsFile.Read(outDir).Single(t => t.Id == ok.Id);
        Assert.True(retried.Status == TrialStatus.Finished, retried.Error);
        var lastStart = File.ReadLines(log).Last(l => l.StartsWith("# "));
        Assert.DoesNotContain("--resume", lastStart);
    }
}
