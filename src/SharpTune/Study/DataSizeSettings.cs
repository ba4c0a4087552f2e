namespace SharpTune.Study;

/// <summary>
/// The settings that make a data-size axis: the size itself (`train_examples`, or `limit`), and the step counts an
/// equal-epoch sweep scales with it (more data, more steps, a longer warm-up). Along one data-size curve the step
/// counts may vary with the size; the recommender's curves and the report's figures both read the axis this way.
/// </summary>
public static class DataSizeSettings
{
    public static readonly IReadOnlyList<string> Sizes = ["train_examples", "limit"];

    public static readonly IReadOnlyList<string> StepCounts = ["max_steps", "warmup", "warmup_steps", "eval_every", "save_every", "log_every"];

    /// <summary>The size keys and the step counts: what may differ between the points of one data-size curve.</summary>
    public static IReadOnlyList<string> Axis => [.. Sizes, .. StepCounts];
}
