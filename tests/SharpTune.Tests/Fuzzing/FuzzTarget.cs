namespace SharpTune.Tests.Fuzzing;

/// <summary>
/// One parser under fuzzing: seed files, how to mutate them (JSON-aware or raw), and how to run the parser on
/// the mutated bytes. <see cref="Run"/> gets a fresh empty folder per case.
/// </summary>
public sealed record FuzzTarget(string Name, IReadOnlyList<(string Name, byte[] Bytes)> Seeds, Action<string, byte[], string> Run)
{
    /// <summary>Mutates a seed; the default is JSON-aware with raw-byte cases mixed in.</summary>
    public Func<Mutator, byte[], Random, byte[]> Mutate { get; init; } = (m, b, rng) => m.MutateJson(b, rng);
}
