using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// Opens an experiment store by location: a file path is an embedded SQLite store; a URL scheme names a server
/// database (PostgreSQL for cluster sweeps comes in a later issue — this is where it plugs in).
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
        var scheme = location.IndexOf("://", StringComparison.Ordinal) is var i and > 0 ? location[..i].ToLowerInvariant() : null;
        return scheme switch
        {
            null => SqliteExperimentStore.Open(location, create),
            "postgres" or "postgresql" => throw new SharpTuneException($"{Redact(location)}: PostgreSQL experiment stores are not supported yet (give an SQLite file path)"),
            _ => throw new SharpTuneException($"{Redact(location)}: unknown experiment store scheme '{scheme}://' (give an SQLite file path)"),
        };
    }

    // A server URL may carry a password (postgres://user:secret@host/db); never echo it.
    private static string Redact(string url) =>
        System.Text.RegularExpressions.Regex.Replace(url, "(://[^:/@]*:)[^@]*@", "$1***@");
}
