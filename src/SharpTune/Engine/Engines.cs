using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>The engines `serve` and `bench serve` can run, by the name their --engine option takes.</summary>
public static class Engines
{
    public const string Serial = "serial";
    public const string Batching = "batching";
    public static readonly string[] Names = [Serial, Batching];

    /// <summary>Engines this build has, in the order `bench serve` runs them.</summary>
    public static readonly string[] Available = [Serial, Batching];

    /// <summary>What `serve` runs unless told otherwise.</summary>
    public const string Default = Batching;

    /// <summary>
    /// One base and every adapter in one registry. <paramref name="queueCapacity"/> is the requests that may wait:
    /// behind the one running request (serial), or for a free row of the running batch (batching, at least 1 —
    /// requests join the batch from the queue).
    /// </summary>
    public static IGenerationEngine Open(string kind, string baseDir, IReadOnlyDictionary<string, string> adapters, int queueCapacity,
        Device? device = null, ScalarType dtype = ScalarType.Float32, int maxRunningRows = 16)
    {
        switch (kind)
        {
            case Serial:
                return new SerialEngine(baseDir, adapters, queueCapacity, device, dtype);
            case Batching:
                if (queueCapacity < 1) throw new SharpTuneException($"--queue {queueCapacity}: the batching engine needs a queue of at least 1 (requests join the running batch from it)");
                var options = new BatchingEngineOptions { QueueCapacity = queueCapacity, MaxRunningRows = maxRunningRows };
                options.Validate();
                var served = new ServedModel(baseDir, adapters, device, dtype);
                try { return new BatchingEngine(new RegistryBatchModel(served.Registry), served.Tokenizer, served.BaseName, options with { EosTokenIds = served.EosTokenIds }, owned: served); }
                catch { served.Dispose(); throw; }
            default:
                throw new SharpTuneException($"--engine {kind}: expected one of {string.Join(", ", Names)}");
        }
    }
}
