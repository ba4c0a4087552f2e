namespace SharpTune.Tests.Cluster;

/// <summary>
/// A throw-away PostgreSQL cluster for the tests: initdb into a temp folder, pg_ctl start on a random port on
/// 127.0.0.1 (trust authentication, fsync off), one per test run, stopped and deleted when the run ends. initdb
/// refuses to run as root, so as root the cluster belongs to the 'postgres' user (Debian's package creates it).
/// Tests call <see cref="Require"/>, which skips them with one line saying why when the server cannot start.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<(PostgresServer? Server, string? Why)> Instance = new(Start);

    public int Port { get; }
    private PostgresServer(int port) => Port = port;

    /// <summary>The running server, or a skip with the reason.</summary>
    public static PostgresServer Require()
    {
        var (server, why) = Instance.Value;
        ServiceProcess.SkipOrFail(server is null, $"PostgreSQL test server could not start: {why}");
        return server!;
    }

    /// <summary>A store URI for a database of its own (created by the store on first use).</summary>
    public string Uri(string database) => $"postgresql://sharptune@127.0.0.1:{Port}/{database}";

    public static string NewDatabase(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];

    private static (PostgresServer?, string?) Start()
    {
        string[] dirs = ["/usr/local/bin", .. Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")) : []];
        var initdb = ServiceProcess.Find("initdb", dirs);
        var pgctl = ServiceProcess.Find("pg_ctl", dirs);
        if (initdb is null || pgctl is null) return (null, "initdb/pg_ctl not found (apt-get install postgresql; .ci/run does it)");
        var dir = Path.Combine(Path.GetTempPath(), $"sharptune-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string? runAs = null;
        if (ServiceProcess.IsRoot)
        {
            if (ServiceProcess.Run("id", ["-u", "postgres"]).Code != 0) return (null, "running as root and there is no 'postgres' user for initdb to run as");
            runAs = "postgres";
            ServiceProcess.Run("chown", ["-R", "postgres", dir]);
        }
        var data = Path.Combine(dir, "data");
        var (code, output) = As(runAs, initdb, ["-D", data, "-U", "sharptune", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        if (code != 0) return (null, $"initdb failed ({code}): {output.Trim().Split('\n').LastOrDefault()}");
        int port = ServiceProcess.FreePort();
        var log = Path.Combine(dir, "server.log");
        (code, output) = As(runAs, pgctl, ["-D", data, "-l", log, "-w", "-t", "30",
            "-o", $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start"]);
        if (code != 0) return (null, $"pg_ctl start failed ({code}): {ServiceProcess.Tail(log)}");
        var server = new PostgresServer(port);
        // SIGQUIT to the postmaster is pg_ctl's "immediate" stop; it needs no runuser.
        ServiceProcess.StopWhenThisProcessEnds($"kill -QUIT $(head -1 '{data}/postmaster.pid') 2>/dev/null", dir);
        return (server, null);
    }

    private static (int, string) As(string? user, string exe, string[] args) =>
        user is null ? ServiceProcess.Run(exe, args) : ServiceProcess.Run("runuser", ["-u", user, "--", exe, .. args]);
}
