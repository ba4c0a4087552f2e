namespace SharpTune.Engine;

/// <summary>Limits of a <see cref="BatchingEngine"/>.</summary>
public sealed record BatchingEngineOptions
{
    /// <summary>Requests waiting to start; one more is refused at once with <see cref="EngineBusyException"/>.</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>Rows decoded together; 1 serves one request at a time (the reference for the batching gain).</summary>
    public int MaxRunningRows { get; init; } = 16;

    /// <summary>Queued requests prefilled between two decode steps, so a burst of arrivals does not stall the running rows.</summary>
    public int MaxPrefillsPerStep { get; init; } = 4;

    public void Validate()
    {
        if (QueueCapacity < 1) throw new IO.SharpTuneException($"queue capacity must be ≥ 1, got {QueueCapacity}");
        if (MaxRunningRows < 1) throw new IO.SharpTuneException($"max running rows must be ≥ 1, got {MaxRunningRows}");
        if (MaxPrefillsPerStep < 1) throw new IO.SharpTuneException($"max prefills per step must be ≥ 1, got {MaxPrefillsPerStep}");
    }
}
