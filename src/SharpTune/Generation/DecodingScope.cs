namespace SharpTune.Generation;

/// <summary>Enters <see cref="Models.CpuGemv.Decoding"/> once, when a loop reaches its decode steps, and leaves it on dispose.</summary>
public sealed class DecodingScope : IDisposable
{
    private IDisposable? _scope;

    public void Enter() => _scope ??= Models.CpuGemv.Decoding();

    public void Dispose()
    {
        _scope?.Dispose();
        _scope = null;
    }
}
