namespace SharpTune.Engine;

/// <summary>Limits of a <see cref="BatchingEngine"/>.</summary>
public sealed record BatchingEngineOptions
{
    /// <summary>
    /// Requests that may wait for a row: with <see cref="MaxRunningRows"/> + this many in flight (running or waiting),
    /// one more is refused at once with <see cref="EngineBusyException"/>.
    /// </summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>Rows decoded together; 1 serves one request at a time (the reference for the batching gain).</summary>
    public int MaxRunningRows { get; init; } = 16;

    /// <summary>Queued requests prefilled between two decode steps, so a burst of arrivals does not stall the running rows.</summary>
    public int MaxPrefillsPerStep { get; init; } = 4;

    /// <summary>EOS ids a request ends on when it sets none (null: the model config's).</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    public void Validate()
    {
        if (QueueCapacity < 1) throw new IO.SharpTuneException($"queue capacity must be ≥ 1, got {QueueCapacity}");
        if (MaxRunningRows < 1) throw new IO.SharpTuneException($"max running rows must be ≥ 1, got {MaxRunningRows}");
        if (MaxPrefillsPerStep < 1) throw new IO.SharpTuneException($"max prefills per step must be ≥ 1, got {MaxPrefillsPerStep}");
    }
}
