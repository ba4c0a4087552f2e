using System.Diagnostics;
using System.Text.Json;
using SharpTune.Study;
using SharpTune.Study.Cluster;

namespace SharpTune.Tests.Cluster;

/// <summary>
/// `sweep --executor slurm` for real: a one-node Slurm cluster on localhost and a throw-away PostgreSQL. A small sweep
/// on the tiny fixture goes through one job array into the store; one array task is killed mid-trial; the sweep ends
/// with every trial finished once, and its report equals the same sweep run locally into SQLite.
/// </summary>
[Collection("console")]
public class SlurmSweepTests
{
    // Everything but the timing columns (wall time, tokens/s, peak RSS) must match between the two runs.
    private static readonly HashSet<string> Timing = ["train_seconds", "tokens_per_second", "peak_rss_bytes"];

    [SkippableFact]
    public void ASweepRunsAsOneJobArrayIntoPostgresAKilledTaskIsRetriedAndTheReportEqualsTheLocalSweeps()
    {
        var pg = PostgresServer.Require();
        SlurmCluster.Require();
        var uri = pg.Uri(PostgresServer.NewDatabase("slurm"));
        var data = TinyFixture.DataFile(16);
        var dev = TinyFixture.DataFile(3, skip: 100);
        var root = Shared.TempDir();
        var clusterDir = Path.Combine(root, "cluster-sweep");
        string[] common = ["sweep", "--model", TinyFixture.ModelDir, "--data", data, "--dev", dev, "--max-steps", "3", "--batch-size", "4",
                           "--max-length", "256", "--grid", "rank=2,4", "--eval-limit", "2", "--eval-injection-limit", "1", "--name", "cl"];

        ClusterSweepRunnerPoll();
        // Kill the first trial's worker the moment it has claimed the trial (SIGKILL: it records nothing, renews nothing).
        int? killed = null;
        var killer = Task.Run(() =>
        {
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromMinutes(3))
            {
                var file = Directory.Exists(Path.Combine(clusterDir, "trials")) ? Directory.GetFiles(Path.Combine(clusterDir, "trials"), SweepTrialWorker.WorkerFile, SearchOption.AllDirectories).FirstOrDefault() : null;
                if (file is not null && TryPid(file) is int pid)
                {
                    Process.Start("kill", ["-9", pid.ToString()])!.WaitForExit();
                    killed = pid;
                    return;
                }
                Thread.Sleep(100);
            }
        });
        var (code, output, err) = CliRunner.Run([.. common, "--executor", "slurm", "--max-parallel", "1", "--lease", "6", "--store", uri, "--out", clusterDir]);
        killer.Wait();
        Assert.True(code == 0, output + err);
        Assert.NotNull(killed);
        Assert.Contains("submitted job array", output);
        // The killed trial was resubmitted as a second array of just that index.
        Assert.Equal(2, output.Split('\n').Count(l => l.StartsWith("submitted job array")));
        Assert.Contains("(1 trials", output);

        using (var store = PostgresExperimentStore.Open(uri))
        {
            var runs = store.List("cl");
            Assert.Equal(2, runs.Count);
            Assert.All(runs, r => Assert.Equal(TrialStatus.Finished, r.Status));
            var attempts = store.Attempts("cl");
            Assert.Equal([1, 2], attempts.Values.Order()); // the killed trial ran again, the other once
        }
        // Every trial finished exactly once, by the per-task logs; two job arrays (the first and the retry), one script each.
        var logs = Directory.GetFiles(Path.Combine(clusterDir, "logs"), "*.log").Select(File.ReadAllText).ToList();
        foreach (var id in TrialsFile.Read(clusterDir).Select(t => t.Id))
            Assert.Equal(1, logs.Sum(l => l.Split('\n').Count(line => line.Contains($"({id}) finished"))));
        Assert.Equal(2, ClusterJob.TryRead(clusterDir)!.Jobs.Count);
        Assert.Contains("#SBATCH --array=0-1%1", File.ReadAllText(Path.Combine(clusterDir, "slurm", "sweep-1.sbatch")));

        // sweep status reads the same store; a resubmission runs nothing.
        (code, output, err) = CliRunner.Run("sweep", "status", clusterDir, "--json");
        Assert.True(code == 0, output + err);
        Assert.Equal(2, (int)System.Text.Json.Nodes.JsonNode.Parse(output)!["counts"]!["finished"]!);
        (code, output, err) = CliRunner.Run([.. common, "--executor", "slurm", "--store", uri, "--out", clusterDir, "--resume"]);
        Assert.True(code == 0, output + err);
        Assert.Contains("nothing to run", output);

        // The same sweep, locally into SQLite: the same trials with the same metrics (timings aside) …
        var localDir = Path.Combine(root, "local-sweep");
        (code, output, err) = CliRunner.Run([.. common, "--store", Path.Combine(root, "local.db"), "--out", localDir]);
        Assert.True(code == 0, output + err);
        var local = TrialsFile.Read(localDir).ToDictionary(t => t.Id);
        var remote = TrialsFile.Read(clusterDir).ToDictionary(t => t.Id);
        Assert.Equal(local.Keys.Order(), remote.Keys.Order());
        foreach (var (id, l) in local)
        {
            Assert.Equal(l.Settings.OrderBy(kv => kv.Key), remote[id].Settings.OrderBy(kv => kv.Key));
            Assert.Equal(Comparable(l.Metrics), Comparable(remote[id].Metrics));
            Assert.Equal(l.BestStep, remote[id].BestStep);
        }
        // … and the report from the PostgreSQL store equals the local sweep folder's (its trial table, timings aside).
        var r1 = Path.Combine(root, "report-pg");
        var r2 = Path.Combine(root, "report-local");
        (code, output, err) = CliRunner.Run("report", "--store", uri, "--sweep", "cl", "--out", r1);
        Assert.True(code == 0, output + err);
        (code, output, err) = CliRunner.Run("report", localDir, "--out", r2);
        Assert.True(code == 0, output + err);
        Assert.Equal(Table(Path.Combine(r2, "trials.csv")), Table(Path.Combine(r1, "trials.csv")));
    }

    [SkippableFact]
    public void ScancelOfADetachedArrayMarksItsTrialsCancelledAndAResubmissionFinishesThem()
    {
        var pg = PostgresServer.Require();
        SlurmCluster.Require();
        var uri = pg.Uri(PostgresServer.NewDatabase("scancel"));
        var outDir = Path.Combine(Shared.TempDir(), "sweep");
        string[] args = ["sweep", "--model", TinyFixture.ModelDir, "--data", TinyFixture.DataFile(16), "--dev", TinyFixture.DataFile(2, skip: 100),
                         "--max-steps", "300", "--batch-size", "2", "--max-length", "64", "--grid", "rank=2,4", "--eval-limit", "1", "--eval-injection-limit", "0",
                         "--name", "sc", "--executor", "slurm", "--max-parallel", "1", "--store", uri, "--out", outDir];
        ClusterSweepRunnerPoll();
        var (code, output, err) = CliRunner.Run([.. args, "--detach"]);
        Assert.True(code == 0, output + err);
        Assert.Contains("detached", output);
        var job = ClusterJob.TryRead(outDir)!.Jobs.Single();

        // Cancel the array while its first trial trains (the second is still queued behind %1): once its log shows
        // step 50 of 300 it cannot finish before the cancel lands, however fast the machine (a fixed sleep after the
        // task started let a 2-step trial finish first on a quiet CI machine).
        var sw = Stopwatch.StartNew();
        while (!TrialLogs(outDir).Any(l => l.Contains("step 50:")))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(2), "no array task reached step 50 within 2 minutes");
            Thread.Sleep(50);
        }
        Process.Start("scancel", [job])!.WaitForExit();
        while (Slurm.Tasks([job]).Count > 0)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromMinutes(3), "the cancelled array did not leave the queue");
            Thread.Sleep(250);
        }
        (code, output, err) = CliRunner.Run("sweep", "status", outDir, "--json");
        Assert.True(code == 0, output + err);
        var status = System.Text.Json.Nodes.JsonNode.Parse(output)!;
        Assert.True((int)status["counts"]!["cancelled"]! == 2 && (int)status["counts"]!["finished"]! == 0, output);
        Assert.Equal(2, TrialsFile.Read(outDir).Count(t => t.Status == TrialStatus.Cancelled)); // trials.jsonl refreshed for report

        // Submitted again, it runs the cancelled trials (the interrupted one from its checkpoint when it saved one).
        (code, output, err) = CliRunner.Run([.. args, "--resume"]);
        Assert.True(code == 0, output + err);
        Assert.Contains("2 to run", output);
        using var store = PostgresExperimentStore.Open(uri);
        Assert.All(store.List("sc"), r => Assert.Equal(TrialStatus.Finished, r.Status));
    }

    /// <summary>The trial logs written so far (a log being written is read shared).</summary>
    private static IEnumerable<string> TrialLogs(string outDir)
    {
        var trials = Path.Combine(outDir, "trials");
        if (!Directory.Exists(trials)) yield break;
        foreach (var f in Directory.GetFiles(trials, "trial.log", SearchOption.AllDirectories))
        {
            string text;
            try
            {
                using var s = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                text = new StreamReader(s).ReadToEnd();
            }
            catch (IOException) { continue; }
            yield return text;
        }
    }

    private static void ClusterSweepRunnerPoll() =>
        typeof(SharpTune.Cli.CliApp).Assembly.GetType("SharpTune.Cli.Commands.ClusterSweep")!.GetProperty("Poll")!.SetValue(null, TimeSpan.FromMilliseconds(500));

    private static int? TryPid(string workerFile)
    {
        try { return JsonDocument.Parse(File.ReadAllText(workerFile)).RootElement.GetProperty("pid").GetInt32(); }
        catch (Exception e) when (e is IOException or JsonException) { return null; }
    }

    private static string Comparable(TrialMetrics? m)
    {
        var node = JsonSerializer.SerializeToNode(m, ExperimentJson.Options)!.AsObject();
        foreach (var k in Timing) node.Remove(k);
        return node.ToJsonString();
    }

    /// <summary>trials.csv without the timing columns, rows sorted by id.</summary>
    private static List<string> Table(string csv)
    {
        var rows = File.ReadAllLines(csv).Select(l => l.Split(',')).ToList();
        var keep = Enumerable.Range(0, rows[0].Length).Where(i => !Timing.Contains(rows[0][i])).ToList();
        return [string.Join(',', keep.Select(i => rows[0][i])), .. rows.Skip(1).Select(r => string.Join(',', keep.Select(i => r[i]))).Order()];
    }
}
