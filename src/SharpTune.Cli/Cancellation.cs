namespace SharpTune.Cli;

/// <summary>Ctrl-C asks a training run to stop after its current step and checkpoint; a second Ctrl-C kills.</summary>
public static class Cancellation
{
    public static CancellationTokenSource OnCtrlC(CancellationToken outer)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Console.CancelKeyPress += (_, e) =>
        {
            if (cts.IsCancellationRequested) return;
            e.Cancel = true;
            Console.Error.WriteLine("\nstopping after this step and saving a checkpoint (Ctrl-C again to kill)…");
            cts.Cancel();
        };
        return cts;
    }
}
