using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SharpTune.Study.Sweeps;

/// <summary>
/// Each trial in its own process (`dotnet SharpTune.Cli.dll trial …`): seeds, native memory and peak RSS are
/// process-wide, so trials cannot disturb each other, and a trial that crashes fails alone. The child's output
/// goes to TRIAL/trial.log; its last stderr line is the error recorded for a failed trial. Cancelling sends the
/// child SIGTERM, which checkpoints it, so a resumed sweep continues that trial rather than restarting it.
/// </summary>
public sealed class ProcessTrialExecutor(string? cliDll = null) : ITrialExecutor
{
    private readonly string _cli = cliDll ?? Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll");

    public TrialExecution Run(string sweep, TrialSpec trial, IReadOnlyDictionary<string, string> eval, string trialDir, bool resume, CancellationToken cancel)
    {
        Directory.CreateDirectory(trialDir);
        var result = Path.Combine(trialDir, "result.json");
        if (File.Exists(result)) File.Delete(result);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(_cli);
        psi.ArgumentList.Add("trial");
        foreach (var a in TrialArguments.For(trial)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in eval) { psi.ArgumentList.Add("--eval-" + k.Replace('_', '-')); psi.ArgumentList.Add(v); }
        psi.ArgumentList.Add("--out"); psi.ArgumentList.Add(TrialFolder.Run(trialDir));
        psi.ArgumentList.Add("--result"); psi.ArgumentList.Add(result);
        if (TrialFolder.PrepareRun(trialDir, continueIfPossible: resume)) psi.ArgumentList.Add("--resume");
        psi.Environment["NO_COLOR"] = "1";

        using var log = new StreamWriter(Path.Combine(trialDir, TrialFolder.LogFile), append: true) { AutoFlush = true };
        log.WriteLine($"# {DateTimeOffset.UtcNow:O} dotnet {string.Join(' ', psi.ArgumentList.Select(a => a.Contains(' ') ? $"\"{a}\"" : a))}");
        string? lastError = null;
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log) log.WriteLine(e.Data);
            if (!string.IsNullOrWhiteSpace(e.Data)) lastError = e.Data.Trim();
        };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        using (cancel.Register(() => { try { kill(p.Id, 15); } catch { /* already gone */ } }))
            p.WaitForExit();
        if (cancel.IsCancellationRequested) return new TrialExecution(null, "interrupted", Cancelled: true);
        if (p.ExitCode != 0 || !File.Exists(result))
            return new TrialExecution(null, lastError is null ? $"trial process exited with code {p.ExitCode}" : lastError.StartsWith("error: ") ? lastError[7..] : lastError);
        return new TrialExecution(JsonSerializer.Deserialize<TrialOutcome>(File.ReadAllText(result)), null);
    }

    // SIGTERM: .NET's Process.Kill only sends SIGKILL, which would lose the child's unsaved steps.
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
