using System.Diagnostics;
using System.Reflection;
using Microsoft.Data.Sqlite;
using SharpTune.IO;
using SharpTune.Study;

namespace SharpTune.Tests;

/// <summary>The SQLite experiment store: round trips, upserts, steps, filters, several real writer processes, a killed writer, bad files.</summary>
public class ExperimentStoreTests
{
    private static string NewPath() => Path.Combine(Shared.TempDir(), "runs", "sharptune.db");

    /// <summary>Every member of TrialMetrics set to a distinct value, so a column or JSON name that is lost shows up.</summary>
    public static TrialMetrics FullMetrics() => new()
    {
        Examples = 200,
        Rouge1 = 0.41, Rouge2 = 0.19, RougeL = 0.37, Chrf = 44.5, LengthRatio = 1.07,
        DevLoss = 1.25, DevPerplexity = Math.Exp(1.25),
        UnsupportedTokenRate = 0.12, UnsupportedNumberRate = 0.03,
        ReferenceUnsupportedTokenRate = 0.08, ReferenceUnsupportedNumberRate = 0.01,
        InjectionSuccessRate = 0.31, InjectionControlRate = 0.9, InjectionRougeL = 0.22,
        InjectionCells = new Dictionary<string, double> { ["instruction-en/middle"] = 0.25, ["format/end"] = 0.5, ["instruction-de/start"] = 0 },
        NoiseMemorisationRate = 0.06, CanaryLeakRate = 0.002,
        TrainableParameters = 1_234_567, TrainSeconds = 81.5, TokensPerSecond = 5321.25,
        PeakRssBytes = 3_000_000_000, AdapterBytes = 4_941_000,
    };

    public static TrialRecord FullRecord(string id = "sweep-a/lora-r8-s1") => new()
    {
        Id = id,
        Sweep = "sweep-a",
        Settings = new Dictionary<string, string> { ["method"] = "lora", ["rank"] = "8", ["lr"] = "0.002", ["scaling"] = "rslora", ["data"] = "/data/ünïcode+plus.jsonl" },
        Status = TrialStatus.Finished,
        Error = "line one\nline two",
        Metrics = FullMetrics(),
        BestStep = 180,
        CodeVersion = "4dec6bf",
        DataFingerprint = "sha256:abcdef",
        BaseModel = "models/base",
        ArtifactDir = "runs/sweep-a/lora-r8-s1",
        StartedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(2)),
        FinishedAt = new DateTimeOffset(2026, 11, 25, 10, 3, 21, 500, TimeSpan.FromHours(2)),
    };

    [Fact]
    public void ARecordRoundTripsWithEveryMetricAndTheJsonNamesOfTheContract()
    {
        var path = NewPath();
        var run = FullRecord();
        // The fixture must set every metric, so a member added later is covered here too.
        foreach (var p in typeof(TrialMetrics).GetProperties())
            Assert.True(p.GetValue(run.Metrics) is not null, $"FullMetrics leaves {p.Name} unset");

        using (var store = SqliteExperimentStore.Open(path)) store.Upsert(run);
        using (var store = SqliteExperimentStore.Open(path, create: false))
        {
            var back = store.Get(run.Id)!;
            foreach (var p in typeof(TrialRecord).GetProperties().Where(p => p.Name is not (nameof(TrialRecord.Settings) or nameof(TrialRecord.Metrics))))
                Assert.True(Equals(p.GetValue(run), p.GetValue(back)), $"{p.Name}: {p.GetValue(run)} ≠ {p.GetValue(back)}");
            Assert.Equal(run.Settings.ToList(), back.Settings.ToList());
            foreach (var p in typeof(TrialMetrics).GetProperties().Where(p => p.Name != nameof(TrialMetrics.InjectionCells)))
                Assert.True(Equals(p.GetValue(run.Metrics), p.GetValue(back.Metrics)), $"{p.Name}: {p.GetValue(run.Metrics)} ≠ {p.GetValue(back.Metrics)}");
            Assert.Equal(run.Metrics!.InjectionCells!.OrderBy(c => c.Key), back.Metrics!.InjectionCells!.OrderBy(c => c.Key));
            Assert.Equal(TimeSpan.FromHours(2), back.StartedAt!.Value.Offset);
            Assert.Null(store.Get("no-such-run"));
        }

        // What is on disk, read with SQLite itself rather than the store: the contract's JSON names and the columns.
        using var raw = Raw(path);
        Assert.Equal("wal", Query(raw, "PRAGMA journal_mode"));
        Assert.Equal(SqliteExperimentStore.SchemaVersion, Convert.ToInt32(Query(raw, "PRAGMA user_version")));
        Assert.Equal(0.25, Query(raw, "SELECT json_extract(metrics, '$.injection_cells.\"instruction-en/middle\"') FROM runs"));
        Assert.Equal(0.37, Query(raw, "SELECT json_extract(metrics, '$.rougeL') FROM runs"));
        Assert.Equal(3_000_000_000L, Query(raw, "SELECT json_extract(metrics, '$.peak_rss_bytes') FROM runs"));
        Assert.Equal("8", Query(raw, "SELECT json_extract(settings, '$.rank') FROM runs"));
        Assert.Equal("lora|finished|sweep-a", Query(raw, "SELECT method || '|' || status || '|' || sweep FROM runs"));
    }

    [Fact]
    public void UpsertReplacesTheRunInPlaceAndListIsOldestFirstAndFiltersBySweep()
    {
        using var store = SqliteExperimentStore.Open(NewPath());
        var a = FullRecord("a") with { Status = TrialStatus.Running, Metrics = null, Error = null, FinishedAt = null };
        store.Upsert(a);
        store.Upsert(FullRecord("b") with { Sweep = "sweep-b" });
        store.Upsert(FullRecord("c"));
        store.Upsert(a with { Status = TrialStatus.Failed, Error = "out of memory" });

        var back = store.Get("a")!;
        Assert.Equal(TrialStatus.Failed, back.Status);
        Assert.Equal("out of memory", back.Error);
        Assert.Null(back.Metrics);
        Assert.Equal(["a", "b", "c"], store.List().Select(r => r.Id));          // the update kept a's place
        Assert.Equal(["a", "c"], store.List("sweep-a").Select(r => r.Id));
        Assert.Equal(["b"], store.List("sweep-b").Select(r => r.Id));
        Assert.Empty(store.List("nope"));
    }

    [Fact]
    public void StepsAreIdempotentPerStepAndKeepNaNAndNulls()
    {
        using var store = SqliteExperimentStore.Open(NewPath());
        store.Upsert(FullRecord("r"));
        store.AddSteps("r", Enumerable.Range(1, 10).Select(s => new StepMetrics(s, 10.0 / s, null, 0.001)));
        // A resumed run rewrites steps 5…10 and goes on to 15; one loss diverged.
        store.AddSteps("r", Enumerable.Range(5, 11).Select(s => new StepMetrics(s, s == 15 ? double.NaN : 1.0 / s, s % 5 == 0 ? 2.0 / s : null, 0.0005)));

        var steps = store.Steps("r");
        Assert.Equal(Enumerable.Range(1, 15).Select(s => (long)s), steps.Select(s => s.Step));
        Assert.Equal(10.0 / 4, steps[3].Loss);
        Assert.Equal(0.001, steps[3].LearningRate);
        Assert.Equal(1.0 / 5, steps[4].Loss);
        Assert.Equal(2.0 / 10, steps[9].EvalLoss);
        Assert.Null(steps[10].EvalLoss);
        Assert.True(double.IsNaN(steps[14].Loss!.Value));
        Assert.Empty(store.Steps("other"));

        // Replacing the run record keeps its steps; steps of a run that was never recorded are refused.
        store.Upsert(FullRecord("r") with { Status = TrialStatus.Failed });
        Assert.Equal(15, store.Steps("r").Count);
        var e = Assert.Throws<SharpTuneException>(() => store.AddSteps("ghost", [new StepMetrics(1, 1, null, null)]));
        Assert.Contains("run ghost is not in the store", e.Message);
    }

    [Fact]
    public void WritersOnSeparateConnectionsInThreadsAllLand()
    {
        var path = NewPath();
        using (SqliteExperimentStore.Open(path)) { }
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            try
            {
                using var store = SqliteExperimentStore.Open(path);
                for (int i = 0; i < 15; i++) StoreWriter.Write(store, $"t{t}", i);
            }
            catch (Exception e) { failures.Add(e); }
        })).ToList();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        Assert.Empty(failures);
        using var check = SqliteExperimentStore.Open(path, create: false);
        for (int t = 0; t < 4; t++) Assert.Equal(15, StoreWriter.Check(check, $"t{t}"));
        Assert.Equal(60, check.List().Count);
    }

    [Fact]
    public async Task SeveralWriterProcessesOnOneNewFileAllLandWithoutLockErrors()
    {
        var path = NewPath();   // not created yet: the processes race to create the schema too
        const int processes = 3, runs = 40;
        var go = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(path)!)!, "go");
        var children = Enumerable.Range(0, processes).Select(p => StoreWriter.Start(path, $"p{p}", runs.ToString(), go)).ToList();
        // Every process has opened the store (racing to create the schema) before any of them writes.
        foreach (var c in children) Assert.Equal("ready", await c.StandardOutput.ReadLineAsync());
        File.WriteAllText(go, "");
        var spans = new List<(long First, long Last)>();
        foreach (var c in children)
        {
            var stdout = c.StandardOutput.ReadToEndAsync();
            var stderr = c.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await c.WaitForExitAsync(timeout.Token);
            var err = await stderr;
            Assert.True(c.ExitCode == 0, $"writer exited {c.ExitCode}: {err}");
            Assert.Equal("", err);
            var parts = (await stdout).Trim().Split(' ').Select(long.Parse).ToArray();
            spans.Add((parts[0], parts[1]));
        }
        // The writes really overlapped in time (otherwise this test proves nothing about locking).
        Assert.True(spans.Max(s => s.First) < spans.Min(s => s.Last), $"writer processes did not overlap: {string.Join(", ", spans)}");

        using var store = SqliteExperimentStore.Open(path, create: false);
        for (int p = 0; p < processes; p++) Assert.Equal(runs, StoreWriter.Check(store, $"p{p}"));
        Assert.All(store.List(), r => Assert.Equal(TrialStatus.Finished, r.Status));
        using var raw = Raw(path);
        Assert.Equal("ok", Query(raw, "PRAGMA integrity_check"));
        Assert.Equal((long)processes * runs * 2 * StoreWriter.StepsPerBatch, Query(raw, "SELECT count(*) FROM steps"));
    }

    [Fact]
    public void AWriterKilledMidWriteLeavesAConsistentStoreThatTheNextWriterContinues()
    {
        var path = NewPath();
        var rng = new Random(13);
        var seen = new List<int>();
        for (int round = 0; round < 3; round++)
        {
            var prefix = $"k{round}";
            using var child = StoreWriter.Start(path, prefix, "forever");
            try
            {
                // Wait until it has written a few runs, then a little more at random, then SIGKILL (Process.Kill on Linux).
                var deadline = Stopwatch.StartNew();
                while (CountRuns(path, prefix) < 5)
                {
                    if (child.HasExited) Assert.Fail($"writer exited early ({child.ExitCode}): {child.StandardError.ReadToEnd()}");
                    Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "writer made no progress");
                    Thread.Sleep(50);
                }
                Thread.Sleep(rng.Next(0, 300));
            }
            finally
            {
                child.Kill();
                child.WaitForExit();
            }
            Assert.True(File.Exists(path + "-wal"), "the killed writer left no WAL, so recovery was not exercised");

            using (var raw = Raw(path)) Assert.Equal("ok", Query(raw, "PRAGMA integrity_check"));
            using var store = SqliteExperimentStore.Open(path, create: false);
            seen.Add(StoreWriter.Check(store, prefix));
            for (int r = 0; r < round; r++) Assert.Equal(seen[r], StoreWriter.Check(store, $"k{r}"));   // earlier rounds untouched
        }
        Assert.All(seen, n => Assert.True(n >= 5));
    }

    [Fact]
    public void AGarbageFileIsOneLineNamingIt()
    {
        var path = Path.Combine(Shared.TempDir(), "garbage.db");
        File.WriteAllText(path, string.Concat(Enumerable.Repeat("this is not a database, just text. ", 200)));
        var e = Assert.Throws<SharpTuneException>(() => SqliteExperimentStore.Open(path));
        Assert.StartsWith($"{path}: not a SharpTune experiment store", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        // Nothing was written into the user's file.
        Assert.StartsWith("this is not a database", File.ReadAllText(path));
    }

    [Fact]
    public void OtherFilesAndLocationsAreRefusedWithOneLine()
    {
        var dir = Shared.TempDir();
        var foreign = Path.Combine(dir, "other.db");
        using (var raw = Raw(foreign)) { using var c = raw.CreateCommand(); c.CommandText = "CREATE TABLE invoices (n INTEGER)"; c.ExecuteNonQuery(); }
        Assert.Equal($"{foreign}: an SQLite database but not a SharpTune experiment store (it has tables invoices)",
            Assert.Throws<SharpTuneException>(() => SqliteExperimentStore.Open(foreign)).Message);

        var newer = Path.Combine(dir, "newer.db");
        using (SqliteExperimentStore.Open(newer)) { }
        using (var raw = Raw(newer)) { using var c = raw.CreateCommand(); c.CommandText = "PRAGMA user_version = 99"; c.ExecuteNonQuery(); }
        Assert.Contains("schema 99 was written by a newer SharpTune", Assert.Throws<SharpTuneException>(() => SqliteExperimentStore.Open(newer)).Message);

        var missing = Path.Combine(dir, "missing.db");
        Assert.StartsWith($"{missing}: no experiment store there", Assert.Throws<SharpTuneException>(() => ExperimentStores.Open(missing, create: false)).Message);
        Assert.False(File.Exists(missing));
        Assert.StartsWith($"{dir}: is a folder", Assert.Throws<SharpTuneException>(() => ExperimentStores.Open(dir)).Message);

        // A server that is not there: one line, the password never echoed.
        var pg = Assert.Throws<SharpTuneException>(() => ExperimentStores.Open("postgres://study:s3cret@127.0.0.1:1/runs"));
        Assert.StartsWith("postgres://study:***@127.0.0.1:1/runs: cannot reach the PostgreSQL server", pg.Message);
        Assert.DoesNotContain("s3cret", pg.Message);
        Assert.Contains("unknown experiment store scheme 'mysql://'", Assert.Throws<SharpTuneException>(() => ExperimentStores.Open("mysql://x/y")).Message);

        // The factory's default for a path is the SQLite store, created with its folder.
        var fresh = Path.Combine(dir, "a", "b", "s.db");
        using (var s = ExperimentStores.Open(fresh)) Assert.IsType<SqliteExperimentStore>(s);
        Assert.True(File.Exists(fresh));
    }

    private static int CountRuns(string path, string prefix)
    {
        if (!File.Exists(path)) return 0;
        try
        {
            using var raw = Raw(path);
            using var c = raw.CreateCommand();
            c.CommandText = "SELECT count(*) FROM runs WHERE sweep = $s AND status = 'finished'";
            c.Parameters.AddWithValue("$s", prefix);
            return Convert.ToInt32(c.ExecuteScalar());
        }
        catch (SqliteException) { return 0; }   // schema not created yet
    }

    /// <summary>A plain SQLite connection, independent of the store's code.</summary>
    private static SqliteConnection Raw(string path)
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 60 }.ToString());
        c.Open();
        return c;
    }

    private static object? Query(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
