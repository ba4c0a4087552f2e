using System.Runtime.InteropServices;

namespace SharpTune.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (what timeout, docker stop, Kubernetes and Slurm send) ask a long command to stop
/// after its current training step and save a checkpoint; the same signal a second time kills at once.
/// The command then exits with the shell's code for the signal: 130 after SIGINT, 143 after SIGTERM.
/// </summary>
public sealed class Cancellation : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signal;

    private readonly string _stopping;

    private Cancellation(CancellationToken outer, string stopping)
    {
        _stopping = stopping;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>What training commands do on the first signal, as the message says.</summary>
    public const string SavingCheckpoint = "stopping after this step and saving a checkpoint";

    /// <summary>
    /// Starts listening; dispose to restore the default handling (the process dies on the signal).
    /// <paramref name="stopping"/> is what the command does on the first signal (printed as "Ctrl-C: {stopping} …").
    /// </summary>
    public static Cancellation Listen(CancellationToken outer = default, string stopping = SavingCheckpoint) => new(outer, stopping);

    public CancellationToken Token => _cts.Token;

    /// <summary>128 + the signal's number, as a shell reports a process the signal ended: 130 (SIGINT) or 143 (SIGTERM).</summary>
    public int ExitCode => Volatile.Read(ref _signal) == 15 ? 143 : 130;

    private void Handle(PosixSignalContext context)
    {
        int number = context.Signal == PosixSignal.SIGTERM ? 15 : 2;
        // Only the first signal is ours; later ones keep their default action, which ends the process.
        if (Interlocked.CompareExchange(ref _signal, number, 0) != 0) return;
        context.Cancel = true;
        var name = number == 15 ? "SIGTERM" : "Ctrl-C";
        try { Console.Error.WriteLine($"\n{name}: {_stopping} ({name} again to kill)…"); }
        catch (IOException) { } // stderr may be gone (closed terminal); stopping cleanly matters more.
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
