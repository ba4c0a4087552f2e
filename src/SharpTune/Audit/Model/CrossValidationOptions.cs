namespace SharpTune.Audit.Model;

/// <summary>
/// The model-based audit: K folds, each a LoRA trained on the other K − 1 folds from the base <see cref="Model"/>
/// and evaluated on its own. Small defaults: the point is a ranking of suspicious labels, not a good model.
/// <see cref="Train"/> holds any further train options by name ("lr" → --lr 0.002).
/// </summary>
public sealed record CrossValidationOptions
{
    public required string Model { get; init; }
    public int Folds { get; init; } = 5;
    public long MaxSteps { get; init; } = 300;
    public int Rank { get; init; } = 8;
    public int BatchSize { get; init; } = 8;
    public int Seed { get; init; }
    /// <summary>What orders the held-out labels: "gain" (default), "loss", "own-summary" or "combined" (see <see cref="CrossValidation.Ranked"/>).</summary>
    public string RankBy { get; init; } = CrossValidation.DefaultRankBy;
    public IReadOnlyDictionary<string, string> Train { get; init; } = new Dictionary<string, string>();
}
