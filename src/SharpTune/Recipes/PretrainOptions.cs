using SharpTune.Training;

namespace SharpTune.Recipes;

/// <summary>Inputs of the pretraining recipe; the optimisation itself is <see cref="Trainer"/>'s.</summary>
public sealed record PretrainOptions
{
    public required string ConfigPath { get; init; }
    public required string TokenizerDir { get; init; }
    public required IReadOnlyList<string> DataFiles { get; init; }
    public IReadOnlyList<string> DevFiles { get; init; } = [];
    public int BlockSize { get; init; } = 256;
    public int BatchSize { get; init; } = 16;
    public int EvalBlocks { get; init; } = 256;
    public string Device { get; init; } = "cpu";
    public required TrainerOptions Trainer { get; init; }
}
