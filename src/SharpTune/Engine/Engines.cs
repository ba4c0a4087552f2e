using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>The engines `serve` and `bench serve` can run, by the name their --engine option takes.</summary>
public static class Engines
{
    public const string Serial = "serial";
    public const string Batching = "batching";
    public static readonly string[] Names = [Serial, Batching];

    /// <summary>Engines this build has; the continuous-batching engine joins when it lands (then it becomes serve's default).</summary>
    public static readonly string[] Available = [Serial];

    public static IGenerationEngine Open(string kind, string baseDir, IReadOnlyDictionary<string, string> adapters, int queueCapacity,
        Device? device = null, ScalarType dtype = ScalarType.Float32) => kind switch
    {
        Serial => new SerialEngine(baseDir, adapters, queueCapacity, device, dtype),
        Batching => throw new SharpTuneException("--engine batching: the continuous-batching engine is not in this build yet (use --engine serial)"),
        _ => throw new SharpTuneException($"--engine {kind}: expected one of {string.Join(", ", Names)}"),
    };
}
