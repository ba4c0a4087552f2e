using System.Text;
using SharpTune.IO;

namespace SharpTune.Cli;

/// <summary>
/// Where internal errors leave their stack trace: $SHARPTUNE_LOG_DIR, else $XDG_STATE_HOME/sharptune/logs
/// (~/.local/state/sharptune/logs), else the temp folder. One file per crash, written atomically.
/// </summary>
public static class CrashLog
{
    public const string DirVariable = "SHARPTUNE_LOG_DIR";

    public static IEnumerable<string> Candidates()
    {
        var env = Environment.GetEnvironmentVariable(DirVariable);
        if (!string.IsNullOrEmpty(env)) yield return env;
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            state = string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".local", "state");
        }
        if (state is not null) yield return Path.Combine(state, "sharptune", "logs");
        yield return Path.Combine(Path.GetTempPath(), "sharptune", "logs");
    }

    /// <summary>Writes the full exception and returns the file's path (or why no file could be written).</summary>
    public static string Write(Exception ex)
    {
        var now = DateTime.UtcNow;
        var text = new StringBuilder()
            .AppendLine($"sharptune internal error at {now:O} (pid {Environment.ProcessId})")
            .AppendLine($"command line: {Environment.CommandLine}")
            .AppendLine($"working directory: {Environment.CurrentDirectory}")
            .AppendLine($"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription} on {System.Runtime.InteropServices.RuntimeInformation.OSDescription}")
            .AppendLine()
            .AppendLine(ex.ToString())
            .ToString();
        var name = $"crash-{now:yyyyMMdd'T'HHmmss.fff'Z'}-{Environment.ProcessId}.log";
        string? failure = null;
        foreach (var dir in Candidates())
        {
            try
            {
                var path = Path.GetFullPath(Path.Combine(dir, name));
                AtomicFile.WriteAllText(path, text);
                return path;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                failure ??= $"{dir}: {e.Message}";
            }
        }
        return $"no log written: {Errors.OneLine(failure ?? "no writable folder")}";
    }
}
