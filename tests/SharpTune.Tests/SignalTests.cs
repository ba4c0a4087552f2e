using System.Diagnostics;
using System.Runtime.InteropServices;
using SharpTune.Training;

namespace SharpTune.Tests;

/// <summary>
/// SIGTERM (timeout, docker stop, Kubernetes, Slurm) sent to a real `sharptune train` process mid-run: it must
/// save a checkpoint and exit 143, and --resume must end exactly where an uninterrupted run ends.
/// </summary>
[Collection("console")]
public class SignalTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private const int SigTerm = 15;
    private const int MaxSteps = 40; // room for the signal to land before the last step, on a fast machine too

    private static string[] TrainArgs(string data, string outDir) =>
    [
        "train", "--model", TinyFixture.ModelDir, "--data", data, "--method", "lora", "--rank", "2", "--targets", "q_proj,v_proj",
        "--lora-dropout", "0.1", "--batch-size", "2", "--max-length", "96", "--overflow", "truncate", "--max-steps", MaxSteps.ToString(),
        "--checkpoint-every", "0", "--lr", "5e-3", "--seed", "1", "--out", outDir,
    ];

    [Fact]
    public void SigtermSavesACheckpointAndResumeEndsWhereAnUninterruptedRunEnds()
    {
        if (!OperatingSystem.IsLinux()) return;
        var data = TinyFixture.DataFile(16);
        var interrupted = Path.Combine(Shared.TempDir(), "run");

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll"));
        foreach (var a in TrainArgs(data, interrupted)) start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        try
        {
            // --checkpoint-every 0: only the signal handler can leave a checkpoint before the last step.
            var metrics = Path.Combine(interrupted, Trainer.MetricsFile);
            var clock = Stopwatch.StartNew();
            while (!(File.Exists(metrics) && File.ReadAllText(metrics).Contains('\n')))
            {
                if (child.HasExited) Assert.Fail($"the run ended before its first step: {stderr.Result}");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), "no training step within 90 s");
                Thread.Sleep(10);
            }
            Assert.Equal(0, kill(child.Id, SigTerm));
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)), "the process did not stop after SIGTERM");
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
        var err = stderr.Result;
        // .NET's own SIGTERM handling also exits 143, but without a checkpoint: the checkpoint is the test.
        long stoppedAt = File.ReadLines(Path.Combine(interrupted, Trainer.MetricsFile)).Count();
        Assert.InRange(stoppedAt, 1, MaxSteps - 1);
        var checkpoint = Checkpoint.Find(interrupted);
        Assert.True(checkpoint is not null, $"no checkpoint after SIGTERM (exit code {child.ExitCode}); stderr: {err}");
        Assert.Contains($"\"Step\": {stoppedAt},", File.ReadAllText(Path.Combine(checkpoint, Checkpoint.State)));
        Assert.True(child.ExitCode == 143, $"exit code {child.ExitCode}; stderr: {err}");
        Assert.Contains("SIGTERM: stopping after this step", err);
        Assert.DoesNotContain("Exception", err);
        Assert.Contains("stopped (checkpoint saved) at step", stdout.Result);

        // Both comparison runs get processes of their own too: torch's global generator (dropout) is shared by
        // every test running in parallel in this process, so in-process runs would not be reproducible here.
        var (code, resumeErr) = RunChild([.. TrainArgs(data, interrupted), "--resume"]);
        Assert.True(code == 0, resumeErr);
        var uninterrupted = Path.Combine(Shared.TempDir(), "run");
        (code, var fullErr) = RunChild(TrainArgs(data, uninterrupted));
        Assert.True(code == 0, fullErr);

        Assert.Equal(File.ReadLines(Path.Combine(uninterrupted, Trainer.MetricsFile)).Select(Loss),
            File.ReadLines(Path.Combine(interrupted, Trainer.MetricsFile)).Select(Loss));
        Assert.Equal(File.ReadAllBytes(Path.Combine(uninterrupted, "adapter_model.safetensors")),
            File.ReadAllBytes(Path.Combine(interrupted, "adapter_model.safetensors")));
    }

    // serve has no checkpoint: its stop message says what it does, and it still exits as the signal asks.
    [Fact]
    public void SigtermStopsTheServerWithItsOwnMessage()
    {
        if (!OperatingSystem.IsLinux()) return;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll"));
        foreach (var a in new[] { "serve", "--model", Path.Combine(Shared.RepoRoot, "models", "sharptune-base"), "--port", "0", "--quiet" })
            start.ArgumentList.Add(a);
        using var child = Process.Start(start)!;
        var err = new System.Text.StringBuilder();
        using var listening = new ManualResetEventSlim();
        child.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (err) err.AppendLine(e.Data);
            if (e.Data.StartsWith("serving ")) listening.Set();
        };
        child.BeginErrorReadLine();
        var stdout = child.StandardOutput.ReadToEndAsync();
        try
        {
            Assert.True(listening.Wait(TimeSpan.FromSeconds(90)), $"the server did not start: {err}");
            Assert.Equal(0, kill(child.Id, SigTerm));
            Assert.True(child.WaitForExit(TimeSpan.FromSeconds(60)), "the server did not stop after SIGTERM");
            child.WaitForExit();
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
        var text = err.ToString();
        Assert.True(child.ExitCode == 143, $"exit code {child.ExitCode}; stderr: {text}");
        Assert.Contains("SIGTERM: stopping the server", text);
        Assert.Contains("server stopped", text);
        Assert.DoesNotContain("checkpoint", text);
        Assert.Contains("(batching engine)", text);
    }

    private static (int Code, string Err) RunChild(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err.Result);
    }

    private static (long, double) Loss(string line)
    {
        var e = System.Text.Json.JsonDocument.Parse(line).RootElement;
        return (e.GetProperty("step").GetInt64(), e.GetProperty("loss").GetDouble());
    }
}
