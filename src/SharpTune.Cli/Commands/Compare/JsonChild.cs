using System.Diagnostics;
using SharpTune.IO;

namespace SharpTune.Cli.Commands.Compare;

/// <summary>Runs one benchmark process and returns the JSON line it ends its output with.</summary>
public static class JsonChild
{
    public static string Run(string fileName, IEnumerable<string> args, string what, CancellationToken cancel = default)
    {
        var psi = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new SharpTuneException($"{what}: cannot start {fileName} ({e.Message})"); }
        using (p)
        using (cancel.Register(() => { try { p.Kill(true); } catch (InvalidOperationException) { } }))
        {
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            cancel.ThrowIfCancellationRequested();
            var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (p.ExitCode != 0 || last is null || !last.StartsWith('{'))
            {
                var why = stderr.Result.Trim().Split('\n').LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? $"exit code {p.ExitCode}";
                throw new SharpTuneException($"{what} failed: {why}");
            }
            return last;
        }
    }
}
