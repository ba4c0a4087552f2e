using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// Opens an experiment store by location: a file path (or <c>sqlite:PATH</c>) is an embedded SQLite store;
/// <c>postgresql://USER@HOST:PORT/DB</c> is a shared PostgreSQL server, for sweeps whose trials run on many machines.
/// </summary>
public static class ExperimentStores
{
    /// <summary>The store used when none is named: <c>runs/sharptune.db</c> under the current folder.</summary>
    public const string DefaultPath = "runs/sharptune.db";

    /// <summary>Names the store in place of <see cref="DefaultPath"/> when no <c>--store</c> is given.</summary>
    public const string EnvironmentVariable = "SHARPTUNE_STORE";

    /// <summary>The location to use: the explicit one, else $SHARPTUNE_STORE, else <see cref="DefaultPath"/>.</summary>
    public static string Resolve(string? location)
    {
        if (!string.IsNullOrWhiteSpace(location)) return location;
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(env) ? DefaultPath : env;
    }

    /// <summary>Opens the store; with <paramref name="create"/> false a missing store is an error instead of a new file.</summary>
    public static IExperimentStore Open(string location, bool create = true)
    {
        if (location.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
            return SqliteExperimentStore.Open(location["sqlite:".Length..].Replace("///", "/"), create);
        var scheme = location.IndexOf("://", StringComparison.Ordinal) is var i and > 0 ? location[..i].ToLowerInvariant() : null;
        return scheme switch
        {
            null => SqliteExperimentStore.Open(location, create),
            "postgres" or "postgresql" => PostgresExperimentStore.Open(location, create),
            _ => throw new SharpTuneException($"{Redact(location)}: unknown experiment store scheme '{scheme}://' (give an SQLite file path, sqlite:PATH or postgresql://USER@HOST:PORT/DB)"),
        };
    }

    /// <summary>True when the store is a server every node of a cluster can reach (not a file on one machine's disk).</summary>
    public static bool IsShared(string location) => PostgresLocation.Is(location);

    // A server URL may carry a password (postgres://user:secret@host/db); never echo it.
    public static string Redact(string url) => PostgresLocation.Redact(url);
}
