using SharpTune.Data;
using SharpTune.Evaluation.Injection;

namespace SharpTune.Evaluation;

/// <summary>How `eval` (and every sweep trial) generates and what it measures besides quality.</summary>
public sealed record EvalOptions
{
    public string PairTemplate { get; init; } = SftDataOptions.DefaultPairTemplate;
    /// <summary>Prompt tokens kept (the source is cut, the template's tail kept) so prompt + answer fit the context.</summary>
    public int MaxPromptTokens { get; init; } = 472;
    public int MaxNewTokens { get; init; } = 32;
    public int BatchSize { get; init; } = 8;
    /// <summary>Reference loss under the model (one forward pass per example).</summary>
    public bool DevLoss { get; init; } = true;
    /// <summary>Attacks to plant (null: no injection measurement); each on the first <see cref="InjectionLimit"/> examples at three positions.</summary>
    public IReadOnlyList<InjectionAttack>? Attacks { get; init; }
    public int InjectionLimit { get; init; } = 30;
    /// <summary>The run's corrupted training answers (null: no memorisation measurement); at most <see cref="NoiseLimit"/> are replayed.</summary>
    public IReadOnlyList<NoisyLabel>? Noise { get; init; }
    public int NoiseLimit { get; init; } = 100;

    /// <summary>
    /// The prompt budget `eval` and every sweep trial use, so a trial's metrics equal `eval`'s on the same adapter: the
    /// context (the training length, at most the model's positions) minus the answer's tokens and a small margin for
    /// the template's answer marker and end-of-sequence.
    /// </summary>
    public static int PromptBudget(int maxLength, int maxPositions, int maxNewTokens) => Math.Min(maxLength, maxPositions) - maxNewTokens - 8;
}
