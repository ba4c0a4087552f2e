using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SharpTune.Tests.Cluster;

/// <summary>What the service fixtures share: running a tool to completion, finding a binary, a free port.</summary>
internal static class ServiceProcess
{
    public static (int Code, string Output) Run(string exe, IEnumerable<string> args, IDictionary<string, string>? env = null, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { try { p.Kill(true); } catch { } return (-1, $"{exe}: timed out after {timeoutMs} ms"); }
        return (p.ExitCode, o.Result + e.Result);
    }

    public static string? Find(string name, params string[] dirs) =>
        dirs.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')).Concat(["/usr/sbin", "/sbin", "/usr/local/sbin"])
            .Where(d => d.Length > 0).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>
    /// Skips the test with the reason, except under .ci/run ($SHARPTUNE_REQUIRE_SERVICES=1), where a service that
    /// cannot start is a failure: CI installs the packages, so a skip there would hide a broken set-up.
    /// </summary>
    public static void SkipOrFail(bool condition, string reason)
    {
        if (!condition) return;
        if (Environment.GetEnvironmentVariable("SHARPTUNE_REQUIRE_SERVICES") == "1") throw new InvalidOperationException(reason + " ($SHARPTUNE_REQUIRE_SERVICES=1: CI must start it)");
        Skip.If(true, reason);
    }

    /// <summary>
    /// Stops a service when this test process ends, however it ends: the test host is usually killed by the runner, so
    /// ProcessExit handlers do not run and the daemons would outlive it. A detached shell polls this process and, once
    /// it is gone, runs <paramref name="stop"/> (shell commands) and deletes <paramref name="dir"/>.
    /// </summary>
    public static void StopWhenThisProcessEnds(string stop, string dir)
    {
        var script = $"while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {stop}; sleep 1; rm -rf '{dir}'";
        var psi = new ProcessStartInfo("setsid", ["sh", "-c", script]) { UseShellExecute = false, RedirectStandardInput = false };
        using var _ = Process.Start(psi);
    }

    public static bool IsRoot => Environment.UserName == "root" || Run("id", ["-u"]).Output.Trim() == "0";

    public static void Signal(string pidFile, int signal = 15)
    {
        if (!File.Exists(pidFile)) return;
        if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid)) Run("kill", [$"-{signal}", pid.ToString()]);
    }

    public static string Tail(string path, int lines = 5) =>
        File.Exists(path) ? string.Join(" | ", File.ReadAllLines(path).TakeLast(lines)) : "(no log)";
}
