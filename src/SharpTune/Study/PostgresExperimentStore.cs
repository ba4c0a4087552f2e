using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// The experiment store on a PostgreSQL server, for sweeps whose trials run on many machines (SQLite on a network
/// filesystem corrupts: its locks do not work there). The same tables and schema version as
/// <see cref="SqliteExperimentStore"/> — runs (settings and metrics as the same JSON text) and steps — plus the claim
/// of each run (worker, lease_until, attempts) that <see cref="ITrialQueue"/> needs.
/// <list type="bullet">
/// <item>Migrations run on first use inside one transaction holding an advisory lock, so a hundred array tasks
/// starting at once create the schema exactly once.</item>
/// <item>Claims take the row with <c>SELECT … FOR UPDATE SKIP LOCKED</c>: two workers racing for a run never both get
/// it — the second skips the locked row instead of waiting and then claiming it too.</item>
/// <item>Times are stored as the same ISO 8601 text as in SQLite (offsets survive); the lease is a timestamptz
/// compared with the server's clock, so workers' clocks do not matter.</item>
/// </list>
/// One instance holds one connection and serialises its callers; give each thread or process its own instance.
/// </summary>
public sealed class PostgresExperimentStore : IExperimentStore, ITrialQueue
{
    /// <summary>The same logical schema as the SQLite store's version.</summary>
    public const int SchemaVersion = SqliteExperimentStore.SchemaVersion;

    private const string Columns = RunRow.Columns;

    // Any constant: the advisory lock that serialises migrations across processes.
    private const long MigrationLock = 0x5348_5450_4E45; // "SHTPNE"

    private readonly NpgsqlConnection _db;
    private readonly Lock _gate = new();

    /// <summary>The URI without its password (error messages use it).</summary>
    public string Location { get; }

    private PostgresExperimentStore(string location, NpgsqlConnection db)
    {
        Location = location;
        _db = db;
    }

    /// <summary>Connects and migrates; with <paramref name="create"/> a missing database is created first.</summary>
    public static PostgresExperimentStore Open(string uri, bool create = true)
    {
        var cs = PostgresLocation.Parse(uri);
        var location = PostgresLocation.Redact(uri);
        var db = new NpgsqlConnection(cs.ConnectionString);
        var store = new PostgresExperimentStore(location, db);
        try
        {
            store.Guard(() =>
            {
                try { db.Open(); }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName && create)
                {
                    CreateDatabase(cs);
                    db.Open();
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
                {
                    throw new SharpTuneException($"{location}: database '{cs.Database}' does not exist (a sweep creates it)");
                }
                store.Migrate(create);
            });
            return store;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    private static void CreateDatabase(NpgsqlConnectionStringBuilder cs)
    {
        var admin = new NpgsqlConnectionStringBuilder(cs.ConnectionString) { Database = "postgres" };
        using var c = new NpgsqlConnection(admin.ConnectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"CREATE DATABASE \"{cs.Database!.Replace("\"", "\"\"")}\"";
        try { cmd.ExecuteNonQuery(); }
        // Another worker created it first (or is creating it: two concurrent CREATE DATABASE collide on the catalog's index).
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation) { }
    }

    private void Migrate(bool create)
    {
        using var tx = _db.BeginTransaction();
        using (var lk = Command("SELECT pg_advisory_xact_lock(@k)")) { lk.Parameters.AddWithValue("k", MigrationLock); lk.ExecuteNonQuery(); }
        var version = 0;
        if (Scalar("SELECT to_regclass('sharptune_schema')::text") is not (null or DBNull))
            version = Convert.ToInt32(Scalar("SELECT version FROM sharptune_schema"), CultureInfo.InvariantCulture);
        else if (Scalar("SELECT to_regclass('runs')::text") is not (null or DBNull))
            throw new SharpTuneException($"{Location}: the database has a table 'runs' but is not a SharpTune experiment store (no sharptune_schema)");
        if (version > SchemaVersion)
            throw new SharpTuneException($"{Location}: experiment store schema {version} was written by a newer SharpTune (this one reads up to {SchemaVersion})");
        if (version == SchemaVersion) { tx.Commit(); return; }
        if (!create) throw new SharpTuneException($"{Location}: no experiment store in this database (a sweep creates it)");
        if (version == 0)
        {
            // seq keeps "oldest first" stable under upserts, as in SQLite.
            Exec("""
                CREATE TABLE runs (
                    seq BIGSERIAL PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    sweep TEXT,
                    method TEXT,
                    status TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    error TEXT,
                    metrics TEXT,
                    best_step BIGINT,
                    code_version TEXT,
                    data_fingerprint TEXT,
                    base_model TEXT,
                    artifact_dir TEXT,
                    started_at TEXT,
                    finished_at TEXT,
                    worker TEXT,
                    lease_until TIMESTAMPTZ,
                    attempts INTEGER NOT NULL DEFAULT 0)
                """);
            Exec("CREATE INDEX runs_sweep ON runs (sweep)");
            Exec("CREATE INDEX runs_status ON runs (status)");
            Exec("CREATE INDEX runs_method ON runs (method)");
            Exec("""
                CREATE TABLE steps (
                    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                    step BIGINT NOT NULL,
                    loss DOUBLE PRECISION,
                    eval_loss DOUBLE PRECISION,
                    lr DOUBLE PRECISION,
                    PRIMARY KEY (run_id, step))
                """);
            Exec("CREATE TABLE sharptune_schema (version INTEGER NOT NULL)");
            Exec("INSERT INTO sharptune_schema VALUES (0)");
        }
        // Later schema versions migrate here, one step at a time, inside this same transaction.
        Exec($"UPDATE sharptune_schema SET version = {SchemaVersion}");
        tx.Commit();
    }

    public void Upsert(TrialRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_gate) Guard(() =>
        {
            using var cmd = Command($"""
                INSERT INTO runs ({Columns}, method)
                VALUES (@id, @sweep, @settings, @status, @error, @metrics, @best_step, @code_version, @data_fingerprint, @base_model, @artifact_dir, @started_at, @finished_at, @method)
                ON CONFLICT (id) DO UPDATE SET
                    sweep = excluded.sweep, settings = excluded.settings, status = excluded.status, error = excluded.error,
                    metrics = excluded.metrics, best_step = excluded.best_step, code_version = excluded.code_version,
                    data_fingerprint = excluded.data_fingerprint, base_model = excluded.base_model, artifact_dir = excluded.artifact_dir,
                    started_at = excluded.started_at, finished_at = excluded.finished_at, method = excluded.method
                """);
            BindRun(cmd, run);
            cmd.ExecuteNonQuery();
        });
    }

    public TrialRecord? Get(string id)
    {
        lock (_gate) return Guard(() => GetUnlocked(id));
    }

    private TrialRecord? GetUnlocked(string id)
    {
        using var cmd = Command($"SELECT {Columns} FROM runs WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        using var r = cmd.ExecuteReader();
        return r.Read() ? ReadRun(r) : null;
    }

    public IReadOnlyList<TrialRecord> List(string? sweep = null)
    {
        lock (_gate) return Guard(() =>
        {
            using var cmd = Command($"SELECT {Columns} FROM runs {(sweep is null ? "" : "WHERE sweep = @sweep")} ORDER BY seq");
            if (sweep is not null) cmd.Parameters.AddWithValue("sweep", sweep);
            using var r = cmd.ExecuteReader();
            var runs = new List<TrialRecord>();
            while (r.Read()) runs.Add(ReadRun(r));
            return runs;
        });
    }

    public void AddSteps(string runId, IEnumerable<StepMetrics> steps)
    {
        var list = steps.ToList();
        lock (_gate) Guard(() =>
        {
            using var tx = _db.BeginTransaction();
            using (var exists = Command("SELECT 1 FROM runs WHERE id = @id"))
            {
                exists.Parameters.AddWithValue("id", runId);
                if (exists.ExecuteScalar() is null)
                    throw new SharpTuneException($"{Location}: run {runId} is not in the store (record the run before its steps)");
            }
            using var cmd = Command("""
                INSERT INTO steps (run_id, step, loss, eval_loss, lr) VALUES (@run, @step, @loss, @eval_loss, @lr)
                ON CONFLICT (run_id, step) DO UPDATE SET loss = excluded.loss, eval_loss = excluded.eval_loss, lr = excluded.lr
                """);
            cmd.Parameters.AddWithValue("run", runId);
            var step = cmd.Parameters.Add("step", NpgsqlDbType.Bigint);
            var loss = cmd.Parameters.Add("loss", NpgsqlDbType.Double);
            var evalLoss = cmd.Parameters.Add("eval_loss", NpgsqlDbType.Double);
            var lr = cmd.Parameters.Add("lr", NpgsqlDbType.Double);
            foreach (var s in list)
            {
                step.Value = s.Step;
                loss.Value = (object?)s.Loss ?? DBNull.Value;
                evalLoss.Value = (object?)s.EvalLoss ?? DBNull.Value;
                lr.Value = (object?)s.LearningRate ?? DBNull.Value;
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        });
    }

    public IReadOnlyList<StepMetrics> Steps(string runId)
    {
        lock (_gate) return Guard(() =>
        {
            using var cmd = Command("SELECT step, loss, eval_loss, lr FROM steps WHERE run_id = @id ORDER BY step");
            cmd.Parameters.AddWithValue("id", runId);
            using var r = cmd.ExecuteReader();
            var steps = new List<StepMetrics>();
            double? D(int i) => r.IsDBNull(i) ? null : r.GetDouble(i);
            while (r.Read()) steps.Add(new StepMetrics(r.GetInt64(0), D(1), D(2), D(3)));
            return steps;
        });
    }

    // Claimable: never started, stopped from outside, or held under a lease that has run out (its worker died).
    private const string Claimable = "(status IN ('pending', 'cancelled') OR (status = 'running' AND (lease_until IS NULL OR lease_until < now())))";

    public TrialRecord? TryClaim(string runId, string worker, TimeSpan lease) =>
        ClaimWhere($"id = @key AND {Claimable}", runId, worker, lease);

    public TrialRecord? ClaimNext(string sweep, string worker, TimeSpan lease) =>
        ClaimWhere($"sweep = @key AND {Claimable} ORDER BY seq LIMIT 1", sweep, worker, lease);

    private TrialRecord? ClaimWhere(string where, string key, string worker, TimeSpan lease)
    {
        lock (_gate) return Guard(() =>
        {
            using var tx = _db.BeginTransaction();
            string? id;
            // SKIP LOCKED: a row another worker is claiming right now is not ours to wait for; and the claimable test is
            // re-evaluated on the locked row, so a claim committed a moment ago is seen as taken.
            using (var pick = Command($"SELECT id FROM runs WHERE {where} FOR UPDATE SKIP LOCKED"))
            {
                pick.Parameters.AddWithValue("key", key);
                id = pick.ExecuteScalar() as string;
            }
            if (id is null) { tx.Commit(); return null; }
            using (var claim = Command("""
                UPDATE runs SET status = 'running', worker = @worker, lease_until = now() + @lease, attempts = attempts + 1,
                    error = NULL, started_at = COALESCE(started_at, @now)
                WHERE id = @id
                """))
            {
                claim.Parameters.AddWithValue("worker", worker);
                claim.Parameters.AddWithValue("lease", lease);
                claim.Parameters.AddWithValue("now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                claim.Parameters.AddWithValue("id", id);
                claim.ExecuteNonQuery();
            }
            var run = GetUnlocked(id);
            tx.Commit();
            return run;
        });
    }

    public bool Renew(string runId, string worker, TimeSpan lease)
    {
        lock (_gate) return Guard(() =>
        {
            using var cmd = Command("UPDATE runs SET lease_until = now() + @lease WHERE id = @id AND worker = @worker AND status = 'running'");
            cmd.Parameters.AddWithValue("lease", lease);
            cmd.Parameters.AddWithValue("id", runId);
            cmd.Parameters.AddWithValue("worker", worker);
            return cmd.ExecuteNonQuery() == 1;
        });
    }

    public bool Complete(TrialRecord run, string worker)
    {
        lock (_gate) return Guard(() =>
        {
            using var tx = _db.BeginTransaction();
            using (var check = Command("SELECT worker FROM runs WHERE id = @id FOR UPDATE"))
            {
                check.Parameters.AddWithValue("id", run.Id);
                if (check.ExecuteScalar() as string != worker) { tx.Commit(); return false; }
            }
            using var cmd = Command($"""
                UPDATE runs SET sweep = @sweep, settings = @settings, status = @status, error = @error, metrics = @metrics,
                    best_step = @best_step, code_version = @code_version, data_fingerprint = @data_fingerprint, base_model = @base_model,
                    artifact_dir = @artifact_dir, started_at = @started_at, finished_at = @finished_at, method = @method,
                    worker = NULL, lease_until = NULL
                WHERE id = @id
                """);
            BindRun(cmd, run);
            cmd.ExecuteNonQuery();
            tx.Commit();
            return true;
        });
    }

    public (string Worker, DateTimeOffset Until)? Lease(string runId)
    {
        lock (_gate) return Guard<(string, DateTimeOffset)?>(() =>
        {
            using var cmd = Command("SELECT worker, lease_until FROM runs WHERE id = @id AND worker IS NOT NULL AND lease_until IS NOT NULL");
            cmd.Parameters.AddWithValue("id", runId);
            using var r = cmd.ExecuteReader();
            return r.Read() ? (r.GetString(0), r.GetFieldValue<DateTimeOffset>(1)) : null;
        });
    }

    /// <summary>How many times each run was claimed (a retried trial has 2 or more), by id.</summary>
    public IReadOnlyDictionary<string, int> Attempts(string sweep)
    {
        lock (_gate) return Guard(() =>
        {
            using var cmd = Command("SELECT id, attempts FROM runs WHERE sweep = @sweep");
            cmd.Parameters.AddWithValue("sweep", sweep);
            using var r = cmd.ExecuteReader();
            var d = new Dictionary<string, int>();
            while (r.Read()) d[r.GetString(0)] = r.GetInt32(1);
            return d;
        });
    }

    public void Dispose()
    {
        lock (_gate) _db.Dispose();
    }

    private static void BindRun(NpgsqlCommand cmd, TrialRecord run)
    {
        void Bind(string name, object? value) => cmd.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        cmd.Parameters.Add(new NpgsqlParameter("id", run.Id));
        cmd.Parameters.Add(new NpgsqlParameter("sweep", NpgsqlDbType.Text) { Value = (object?)run.Sweep ?? DBNull.Value });
        Bind("settings", JsonSerializer.Serialize(run.Settings, ExperimentJson.Options));
        Bind("status", ExperimentJson.StatusName(run.Status));
        cmd.Parameters.Add(new NpgsqlParameter("error", NpgsqlDbType.Text) { Value = (object?)run.Error ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("metrics", NpgsqlDbType.Text) { Value = run.Metrics is null ? DBNull.Value : JsonSerializer.Serialize(run.Metrics, ExperimentJson.Options) });
        cmd.Parameters.Add(new NpgsqlParameter("best_step", NpgsqlDbType.Bigint) { Value = (object?)run.BestStep ?? DBNull.Value });
        foreach (var (name, value) in new[] { ("code_version", run.CodeVersion), ("data_fingerprint", run.DataFingerprint), ("base_model", run.BaseModel),
                     ("artifact_dir", run.ArtifactDir), ("started_at", run.StartedAt?.ToString("O", CultureInfo.InvariantCulture)),
                     ("finished_at", run.FinishedAt?.ToString("O", CultureInfo.InvariantCulture)), ("method", run.Get("method")) })
            cmd.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });
    }

    private TrialRecord ReadRun(System.Data.Common.DbDataReader r) => RunRow.Read(r, Location);

    private NpgsqlCommand Command(string sql)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        return cmd;
    }

    private void Exec(string sql)
    {
        using var cmd = Command(sql);
        cmd.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var cmd = Command(sql);
        return cmd.ExecuteScalar();
    }

    private void Guard(Action action) => Guard(() => { action(); return 0; });

    /// <summary>Server and connection failures become one line naming the store (without its password).</summary>
    private T Guard<T>(Func<T> action)
    {
        try { return action(); }
        catch (PostgresException e)
        {
            throw new SharpTuneException($"{Location}: {e.SqlState} {e.MessageText.ReplaceLineEndings(" ")}", e);
        }
        catch (NpgsqlException e)
        {
            var why = e.InnerException is { } inner ? inner.Message : e.Message;
            throw new SharpTuneException($"{Location}: cannot reach the PostgreSQL server ({why.ReplaceLineEndings(" ")})", e);
        }
    }
}
