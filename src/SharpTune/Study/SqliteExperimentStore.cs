using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// The default experiment store: one SQLite file that several processes (the trials of a sweep) write at once.
/// <list type="bullet">
/// <item>WAL journal: readers never block the writer and the writer never blocks readers; a killed writer leaves its
/// uncommitted frames in the WAL, which the next opener ignores (they have no commit record), so the file stays
/// consistent.</item>
/// <item><c>synchronous=FULL</c>: the WAL is fsynced at every commit, so a run recorded as finished survives a power
/// cut too, not only a killed process (NORMAL would only lose the newest commits, never corrupt, but then a resumed
/// sweep could run a finished trial again). Writes are rare — a run record per trial, steps per logging batch —
/// so the fsync costs nothing measurable.</item>
/// <item>Every write is one <c>BEGIN IMMEDIATE</c> transaction: it takes the write lock up front, so a waiting writer
/// goes through the busy handler (<see cref="BusyTimeout"/>) instead of failing with "database is locked" when a
/// read transaction would have to be upgraded.</item>
/// <item>The schema is versioned with <c>PRAGMA user_version</c> and created on first open, inside a write
/// transaction so two processes opening a new file at once do not both create it.</item>
/// </list>
/// One instance holds one connection and serialises its callers; give each thread or process its own instance.
/// </summary>
public sealed class SqliteExperimentStore : IExperimentStore
{
    /// <summary>The schema this build writes; a file with a higher user_version was written by a newer SharpTune.</summary>
    public const int SchemaVersion = 1;

    /// <summary>How long a write waits for another process's transaction before giving up.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(60);

    private const string Columns = RunRow.Columns;

    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    /// <summary>The file, as the user named it (error messages use it).</summary>
    public string Path { get; }

    private SqliteExperimentStore(string path, SqliteConnection db)
    {
        Path = path;
        _db = db;
    }

    /// <summary>Opens the store at <paramref name="path"/>; with <paramref name="create"/> a missing file (and its folder) is created.</summary>
    public static SqliteExperimentStore Open(string path, bool create = true)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new SharpTuneException($"{path}: is a folder (expected an experiment store file such as runs/sharptune.db)");
        if (!File.Exists(full))
        {
            if (!create) throw new SharpTuneException($"{path}: no experiment store there (a sweep creates it; or pass --store FILE / set SHARPTUNE_STORE)");
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        }
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            // A pooled connection would keep the file open after Dispose (tests delete it; sweeps hand it to the next process).
            Pooling = false,
            // Microsoft.Data.Sqlite also retries SQLITE_BUSY itself until this many seconds have passed.
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
        var store = new SqliteExperimentStore(path, new SqliteConnection(cs));
        try
        {
            store.Guard(() =>
            {
                store._db.Open();
                store.Configure();
                store.Migrate();
            });
            return store;
        }
        catch
        {
            store._db.Dispose();
            throw;
        }
    }

    private void Configure()
    {
        // The busy timeout first, so that even switching to WAL waits for a writer in another process.
        Exec($"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}");
        var mode = Scalar("PRAGMA journal_mode = WAL") as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            throw new SharpTuneException($"{Path}: SQLite could not switch the store to WAL mode (journal_mode is {mode}); put it on a local disk");
        Exec("PRAGMA synchronous = FULL");
        Exec("PRAGMA foreign_keys = ON");
    }

    private void Migrate()
    {
        if (UserVersion() == SchemaVersion) return;
        using var tx = _db.BeginTransaction(deferred: false);
        // Read again under the write lock: another process may have created the schema meanwhile.
        var version = UserVersion();
        if (version > SchemaVersion)
            throw new SharpTuneException($"{Path}: experiment store schema {version} was written by a newer SharpTune (this one reads up to {SchemaVersion})");
        if (version == 0)
        {
            var foreign = new List<string>();
            using (var cmd = Command("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) foreign.Add(r.GetString(0));
            if (foreign.Count > 0)
                throw new SharpTuneException($"{Path}: an SQLite database but not a SharpTune experiment store (it has tables {string.Join(", ", foreign)})");
            // seq keeps "oldest first" stable: an upsert updates in place, and VACUUM may renumber implicit rowids.
            Exec("""
                CREATE TABLE runs (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    sweep TEXT,
                    method TEXT,
                    status TEXT NOT NULL,
                    settings TEXT NOT NULL,
                    error TEXT,
                    metrics TEXT,
                    best_step INTEGER,
                    code_version TEXT,
                    data_fingerprint TEXT,
                    base_model TEXT,
                    artifact_dir TEXT,
                    started_at TEXT,
                    finished_at TEXT)
                """);
            Exec("CREATE INDEX runs_sweep ON runs (sweep)");
            Exec("CREATE INDEX runs_status ON runs (status)");
            Exec("CREATE INDEX runs_method ON runs (method)");
            Exec("""
                CREATE TABLE steps (
                    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                    step INTEGER NOT NULL,
                    loss REAL,
                    eval_loss REAL,
                    lr REAL,
                    PRIMARY KEY (run_id, step)) WITHOUT ROWID
                """);
        }
        // Later schema versions migrate here, one step at a time, inside this same transaction.
        Exec($"PRAGMA user_version = {SchemaVersion}");
        tx.Commit();
    }

    public void Upsert(TrialRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        lock (_gate) Guard(() =>
        {
            using var tx = _db.BeginTransaction(deferred: false);
            using var cmd = Command($"""
                INSERT INTO runs ({Columns}, method)
                VALUES ($id, $sweep, $settings, $status, $error, $metrics, $best_step, $code_version, $data_fingerprint, $base_model, $artifact_dir, $started_at, $finished_at, $method)
                ON CONFLICT (id) DO UPDATE SET
                    sweep = excluded.sweep, settings = excluded.settings, status = excluded.status, error = excluded.error,
                    metrics = excluded.metrics, best_step = excluded.best_step, code_version = excluded.code_version,
                    data_fingerprint = excluded.data_fingerprint, base_model = excluded.base_model, artifact_dir = excluded.artifact_dir,
                    started_at = excluded.started_at, finished_at = excluded.finished_at, method = excluded.method
                """);
            Bind(cmd, "$id", run.Id);
            Bind(cmd, "$sweep", run.Sweep);
            Bind(cmd, "$settings", JsonSerializer.Serialize(run.Settings, ExperimentJson.Options));
            Bind(cmd, "$status", ExperimentJson.StatusName(run.Status));
            Bind(cmd, "$error", run.Error);
            Bind(cmd, "$metrics", run.Metrics is null ? null : JsonSerializer.Serialize(run.Metrics, ExperimentJson.Options));
            Bind(cmd, "$best_step", run.BestStep);
            Bind(cmd, "$code_version", run.CodeVersion);
            Bind(cmd, "$data_fingerprint", run.DataFingerprint);
            Bind(cmd, "$base_model", run.BaseModel);
            Bind(cmd, "$artifact_dir", run.ArtifactDir);
            Bind(cmd, "$started_at", run.StartedAt?.ToString("O", CultureInfo.InvariantCulture));
            Bind(cmd, "$finished_at", run.FinishedAt?.ToString("O", CultureInfo.InvariantCulture));
            Bind(cmd, "$method", run.Get("method"));
            cmd.ExecuteNonQuery();
            tx.Commit();
        });
    }

    public TrialRecord? Get(string id)
    {
        lock (_gate) return Guard(() =>
        {
            using var cmd = Command($"SELECT {Columns} FROM runs WHERE id = $id");
            Bind(cmd, "$id", id);
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadRun(r) : null;
        });
    }

    public IReadOnlyList<TrialRecord> List(string? sweep = null)
    {
        lock (_gate) return Guard(() =>
        {
            using var cmd = Command($"SELECT {Columns} FROM runs {(sweep is null ? "" : "WHERE sweep = $sweep")} ORDER BY seq");
            if (sweep is not null) Bind(cmd, "$sweep", sweep);
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
            using var tx = _db.BeginTransaction(deferred: false);
            using (var exists = Command("SELECT 1 FROM runs WHERE id = $id"))
            {
                Bind(exists, "$id", runId);
                if (exists.ExecuteScalar() is null)
                    throw new SharpTuneException($"{Path}: run {runId} is not in the store (record the run before its steps)");
            }
            using var cmd = Command("""
                INSERT INTO steps (run_id, step, loss, eval_loss, lr) VALUES ($run, $step, $loss, $eval_loss, $lr)
                ON CONFLICT (run_id, step) DO UPDATE SET loss = excluded.loss, eval_loss = excluded.eval_loss, lr = excluded.lr
                """);
            var run = cmd.Parameters.Add("$run", SqliteType.Text);
            var step = cmd.Parameters.Add("$step", SqliteType.Integer);
            var loss = cmd.Parameters.Add("$loss", SqliteType.Real);
            var evalLoss = cmd.Parameters.Add("$eval_loss", SqliteType.Real);
            var lr = cmd.Parameters.Add("$lr", SqliteType.Real);
            run.Value = runId;
            foreach (var s in list)
            {
                step.Value = s.Step;
                SetReal(loss, s.Loss);
                SetReal(evalLoss, s.EvalLoss);
                SetReal(lr, s.LearningRate);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        });
    }

    public IReadOnlyList<StepMetrics> Steps(string runId)
    {
        lock (_gate) return Guard(() =>
        {
            using var cmd = Command("SELECT step, loss, eval_loss, lr FROM steps WHERE run_id = $id ORDER BY step");
            Bind(cmd, "$id", runId);
            using var r = cmd.ExecuteReader();
            var steps = new List<StepMetrics>();
            while (r.Read()) steps.Add(new StepMetrics(r.GetInt64(0), GetReal(r, 1), GetReal(r, 2), GetReal(r, 3)));
            return steps;
        });
    }

    public void Dispose()
    {
        lock (_gate) _db.Dispose();
    }

    private TrialRecord ReadRun(System.Data.Common.DbDataReader r) => RunRow.Read(r, Path);

    // SQLite stores a bound NaN as NULL, which reads back as "not measured"; a diverged loss is kept as the text 'NaN'
    // (a REAL column keeps text that is not a number as text).
    private static void SetReal(SqliteParameter p, double? v) => p.Value = v switch
    {
        null => DBNull.Value,
        { } d when double.IsNaN(d) => "NaN",
        { } d => d,
    };

    private static double? GetReal(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetValue(i) switch
    {
        string s => double.Parse(s, CultureInfo.InvariantCulture),
        var v => Convert.ToDouble(v, CultureInfo.InvariantCulture),
    };

    private int UserVersion() => Convert.ToInt32(Scalar("PRAGMA user_version"), CultureInfo.InvariantCulture);

    private SqliteCommand Command(string sql)
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

    private static void Bind(SqliteCommand cmd, string name, object? value) => cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);

    private void Guard(Action action) => Guard(() => { action(); return 0; });

    /// <summary>SQLite's failures the user can act on become one line naming the file.</summary>
    private T Guard<T>(Func<T> action)
    {
        try { return action(); }
        catch (SqliteException e)
        {
            var why = e.SqliteErrorCode switch
            {
                11 => "not a readable SharpTune experiment store: the database file is damaged",   // SQLITE_CORRUPT
                26 => "not a SharpTune experiment store: the file is not an SQLite database",    // SQLITE_NOTADB
                5 or 6 => $"still locked by another process after {BusyTimeout.TotalSeconds:0} s", // SQLITE_BUSY / LOCKED
                8 => "the store (or its folder, which holds the -wal and -shm files) is read-only", // SQLITE_READONLY
                14 => "cannot be opened (check the path and permissions)",                        // SQLITE_CANTOPEN
                13 => "the disk is full",                                                          // SQLITE_FULL
                _ => null,
            };
            if (why is null) throw;
            throw new SharpTuneException($"{Path}: {why}", e);
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
