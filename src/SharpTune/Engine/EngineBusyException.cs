namespace SharpTune.Engine;

/// <summary>The engine's queue is full; a server answers 429 with Retry-After.</summary>
public sealed class EngineBusyException(int queued) : Exception($"the generation queue is full ({queued} requests waiting)")
{
    public int Queued { get; } = queued;
}
