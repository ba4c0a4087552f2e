using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Training;

namespace SharpTune.Recipes;

/// <summary>Inputs of the supervised fine-tuning recipe (sharptune train).</summary>
public sealed record FineTuneOptions
{
    public required string ModelDir { get; init; }
    public string? TokenizerDir { get; init; }
    public required string DataPath { get; init; }
    public string? DevPath { get; init; }
    public int? DevLimit { get; init; }
    public int BatchSize { get; init; } = 8;
    public bool Packing { get; init; }
    public string Device { get; init; } = "cpu";
    public required MethodOptions Method { get; init; }
    public required SftDataOptions Data { get; init; }
    public required TrainerOptions Trainer { get; init; }
    /// <summary>Share of training answers to corrupt on purpose (label-noise study; pairs data only), seeded by the trainer seed.</summary>
    public double Noise { get; init; }
}
