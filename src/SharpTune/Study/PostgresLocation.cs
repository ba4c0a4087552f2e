using System.Text.RegularExpressions;
using Npgsql;
using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// A PostgreSQL store URI, libpq style: <c>postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]</c>. A password
/// is better left out of the URI (it would show in `ps` and in job scripts): Npgsql reads $PGPASSWORD and ~/.pgpass.
/// </summary>
public static partial class PostgresLocation
{
    public static bool Is(string location) =>
        location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The Npgsql connection string for the URI; one line naming what is wrong otherwise.</summary>
    public static NpgsqlConnectionStringBuilder Parse(string uri)
    {
        var m = UriPattern().Match(uri);
        if (!m.Success)
            throw new SharpTuneException($"{Redact(uri)}: expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DB");
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = Uri.UnescapeDataString(m.Groups["host"].Value),
            Database = Uri.UnescapeDataString(m.Groups["db"].Value),
            // One connection per store, opened once per process: pooling would only keep idle server backends around.
            Pooling = false,
            Timeout = 15,
            // Application name shows in pg_stat_activity, which is where an operator looks for stuck workers.
            ApplicationName = "sharptune",
        };
        if (m.Groups["user"].Success) b.Username = Uri.UnescapeDataString(m.Groups["user"].Value);
        if (m.Groups["password"].Success) b.Password = Uri.UnescapeDataString(m.Groups["password"].Value);
        if (m.Groups["port"].Success)
            b.Port = int.TryParse(m.Groups["port"].Value, out var port) && port is > 0 and < 65536 ? port
                : throw new SharpTuneException($"{Redact(uri)}: port '{m.Groups["port"].Value}' is not a number in 1…65535");
        if (m.Groups["query"].Success)
            foreach (var pair in m.Groups["query"].Value.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var key = Uri.UnescapeDataString(kv[0]);
                var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
                switch (key.ToLowerInvariant())
                {
                    case "sslmode": b.SslMode = Enum.Parse<SslMode>(value, ignoreCase: true); break;
                    case "application_name": b.ApplicationName = value; break;
                    case "connect_timeout": b.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                    default: throw new SharpTuneException($"{Redact(uri)}: unknown URI parameter '{key}' (known: sslmode, application_name, connect_timeout)");
                }
            }
        return b;
    }

    /// <summary>The URI with any password replaced by ***, for messages and files.</summary>
    public static string Redact(string uri) => PasswordPattern().Replace(uri, "$1***@");

    /// <summary>The URI without its password (what a job script may carry; the password comes from $PGPASSWORD or ~/.pgpass).</summary>
    public static string WithoutPassword(string uri) => PasswordPattern().Replace(uri, "$1@").Replace(":@", "@");

    [GeneratedRegex(@"^postgres(?:ql)?://(?:(?<user>[^:@/]+)(?::(?<password>[^@/]*))?@)?(?<host>[^:/?]+)(?::(?<port>[^/?]*))?/(?<db>[^?/]+)(?:\?(?<query>.*))?$", RegexOptions.IgnoreCase)]
    private static partial Regex UriPattern();

    [GeneratedRegex("(://[^:/@]*:)[^@]*@")]
    private static partial Regex PasswordPattern();
}
