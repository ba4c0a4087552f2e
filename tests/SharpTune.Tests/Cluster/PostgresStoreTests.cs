using Npgsql;
using SharpTune.Study;

namespace SharpTune.Tests.Cluster;

/// <summary>The PostgreSQL store against a real server: the SQLite store's round trip, claims under real concurrency, leases, migration.</summary>
[Collection("console")]
public class PostgresStoreTests
{
    private static PostgresExperimentStore Open(string uri) => PostgresExperimentStore.Open(uri);

    [SkippableFact]
    public void ARunRoundTripsExactlyAsInTheSqliteStoreAndTheSchemaIsCreatedOnceOnFirstUse()
    {
        var pg = PostgresServer.Require();
        var uri = pg.Uri(PostgresServer.NewDatabase("roundtrip"));
        var run = ExperimentStoreTests.FullRecord();
        StepMetrics[] steps = [new(1, 4.5, null, 0.002), new(2, double.NaN, 3.25, 0.001)];
        var sqlitePath = Path.Combine(Shared.TempDir(), "rt.db");
        using (var sqlite = SqliteExperimentStore.Open(sqlitePath)) { sqlite.Upsert(run); sqlite.AddSteps(run.Id, steps); }

        // Several processes' first use at once: the advisory lock lets exactly one create the schema.
        Parallel.For(0, 4, _ => { using var s = ExperimentStores.Open(uri); });
        using (var store = ExperimentStores.Open(uri))
        {
            Assert.IsType<PostgresExperimentStore>(store);
            store.Upsert(run with { Status = TrialStatus.Running });
            store.Upsert(run); // an upsert replaces, never duplicates
            store.AddSteps(run.Id, steps);
        }
        using var sqliteBack = SqliteExperimentStore.Open(sqlitePath, create: false);
        using var pgBack = Open(uri);
        var a = sqliteBack.Get(run.Id)!;
        var b = pgBack.Get(run.Id)!;
        Assert.Equal(Json(a), Json(b));
        Assert.Equal(Json(run), Json(b));
        Assert.Single(pgBack.List());
        Assert.Equal(Json(sqliteBack.Steps(run.Id)), Json(pgBack.Steps(run.Id)));
        Assert.True(double.IsNaN(pgBack.Steps(run.Id)[1].Loss!.Value));

        // Read with Npgsql itself rather than the store: one schema row at the shared version, the contract's JSON.
        using var raw = new NpgsqlConnection(PostgresLocation.Parse(uri).ConnectionString);
        raw.Open();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "SELECT (SELECT count(*) FROM sharptune_schema), (SELECT version FROM sharptune_schema), (SELECT metrics::json->>'rougeL' FROM runs), (SELECT method FROM runs)";
        using var r = cmd.ExecuteReader();
        r.Read();
        Assert.Equal(1L, r.GetInt64(0));
        Assert.Equal(SqliteExperimentStore.SchemaVersion, r.GetInt32(1));
        Assert.Equal("0.37", r.GetString(2));
        Assert.Equal("lora", r.GetString(3));
    }

    [SkippableFact]
    public void ConcurrentWorkersNeverClaimTheSameTrial()
    {
        var pg = PostgresServer.Require();
        var uri = pg.Uri(PostgresServer.NewDatabase("claims"));
        const int runs = 120, workers = 6;
        using (var store = Open(uri))
            for (int i = 0; i < runs; i++)
                store.Upsert(new TrialRecord { Id = $"t{i:D3}", Sweep = "race", Settings = new Dictionary<string, string> { ["i"] = $"{i}" }, Status = TrialStatus.Pending });

        // Each worker has its own connection (as its own process would) and claims until nothing is left.
        var claims = new System.Collections.Concurrent.ConcurrentBag<(string Worker, string Id)>();
        using var start = new Barrier(workers);
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            using var store = Open(uri);
            start.SignalAndWait();
            while (store.ClaimNext("race", $"w{w}", TimeSpan.FromMinutes(5)) is { } t) claims.Add(($"w{w}", t.Id));
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        var byId = claims.GroupBy(c => c.Id).ToList();
        Assert.Equal(runs, byId.Count);                                    // every trial was claimed …
        Assert.All(byId, g => Assert.True(g.Count() == 1, $"{g.Key} claimed by {string.Join(", ", g.Select(c => c.Worker))}")); // … exactly once
        Assert.True(claims.Select(c => c.Worker).Distinct().Count() > 1);   // and the workers really competed
        using var check = Open(uri);
        Assert.All(check.List("race"), t => Assert.Equal(TrialStatus.Running, t.Status));
        Assert.All(check.Attempts("race").Values, n => Assert.Equal(1, n));
    }

    [SkippableFact]
    public void ADeadWorkersTrialIsClaimableAfterItsLeaseAndTheDeadWorkerCannotRecordOverTheNewOne()
    {
        var pg = PostgresServer.Require();
        var uri = pg.Uri(PostgresServer.NewDatabase("lease"));
        using var a = Open(uri);
        using var b = Open(uri);
        var pending = new TrialRecord { Id = "t1", Sweep = "s", Settings = new Dictionary<string, string> { ["rank"] = "8" }, Status = TrialStatus.Pending };
        a.Upsert(pending);
        var held = a.TryClaim("t1", "A", TimeSpan.FromSeconds(2));
        Assert.NotNull(held);
        Assert.Equal(TrialStatus.Running, held!.Status);
        Assert.Null(b.TryClaim("t1", "B", TimeSpan.FromSeconds(30)));      // A's lease is live
        Assert.Equal("A", b.Lease("t1")!.Value.Worker);
        Assert.True(a.Renew("t1", "A", TimeSpan.FromSeconds(2)));
        Thread.Sleep(2500);                                                 // A "dies": no renewal
        var taken = b.TryClaim("t1", "B", TimeSpan.FromSeconds(30));
        Assert.NotNull(taken);
        Assert.False(a.Renew("t1", "A", TimeSpan.FromSeconds(2)));
        Assert.False(a.Complete(held with { Status = TrialStatus.Failed, Error = "zombie" }, "A"));
        Assert.True(b.Complete(taken! with { Status = TrialStatus.Finished, Metrics = ExperimentStoreTests.FullMetrics() }, "B"));
        var final = a.Get("t1")!;
        Assert.Equal(TrialStatus.Finished, final.Status);
        Assert.Null(final.Error);
        Assert.Null(a.Lease("t1"));
        Assert.Equal(2, a.Attempts("s")["t1"]);
        Assert.Null(a.TryClaim("t1", "C", TimeSpan.FromSeconds(30)));       // finished: never claimed again
    }

    [SkippableFact]
    public void StoreMigrateCopiesEveryRunAndStepFromSqliteAndRunsListReadsThemAsAJsonArray()
    {
        var pg = PostgresServer.Require();
        var uri = pg.Uri(PostgresServer.NewDatabase("migrate"));
        var sqlitePath = Path.Combine(Shared.TempDir(), "m.db");
        var runs = new[] { ExperimentStoreTests.FullRecord("a"), ExperimentStoreTests.FullRecord("b") with { Status = TrialStatus.Failed, Metrics = null }, ExperimentStoreTests.FullRecord("c") };
        using (var s = SqliteExperimentStore.Open(sqlitePath))
            foreach (var r in runs) { s.Upsert(r); s.AddSteps(r.Id, [new(1, 2.0, null, 0.1), new(5, 1.5, 1.7, 0.05)]); }

        var (code, output, err) = CliRunner.Run("store", "migrate", "--from", "sqlite:" + sqlitePath, "--to", uri);
        Assert.True(code == 0, output + err);
        Assert.Contains("copied 3 run(s) and 6 step record(s)", output);
        (code, output, err) = CliRunner.Run("store", "migrate", "--from", "sqlite:" + sqlitePath, "--to", uri); // again: replaces, no duplicates
        Assert.True(code == 0, output + err);
        using (var sqlite = SqliteExperimentStore.Open(sqlitePath, create: false))
        using (var store = Open(uri))
        {
            Assert.Equal(sqlite.List().Select(Json), store.List().Select(Json));
            foreach (var r in runs) Assert.Equal(Json(sqlite.Steps(r.Id)), Json(store.Steps(r.Id)));
        }

        (code, output, err) = CliRunner.Run("runs", "list", "--store", uri, "--json");
        Assert.True(code == 0, output + err);
        var list = System.Text.Json.Nodes.JsonNode.Parse(output)!.AsArray();
        Assert.Equal(["a", "b", "c"], list.Select(r => (string)r!["id"]!));
        Assert.Equal("failed", (string)list[1]!["status"]!);
        Assert.Equal("8", (string)list[0]!["options"]!["rank"]!);
        Assert.Equal(0.37, (double)list[0]!["metrics"]!["rougeL"]!);
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value, ExperimentJson.Options);
}
