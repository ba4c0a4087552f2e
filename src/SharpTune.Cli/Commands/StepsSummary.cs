using System.Text.Json.Serialization;
using SharpTune.Study;

namespace SharpTune.Cli.Commands;

/// <summary>A training curve in one line: how many steps were logged, the last training loss, and the best eval loss.</summary>
public sealed record StepsSummary(
    [property: JsonPropertyName("count")] int Count,
    [property: JsonPropertyName("first_step")] long? FirstStep,
    [property: JsonPropertyName("last_step")] long? LastStep,
    [property: JsonPropertyName("last_loss")] double? LastLoss,
    [property: JsonPropertyName("best_eval_loss")] double? BestEvalLoss,
    [property: JsonPropertyName("best_eval_step")] long? BestEvalStep)
{
    /// <summary>Steps in order (as the store returns them); a NaN eval loss (diverged) never counts as the best.</summary>
    public static StepsSummary Of(IReadOnlyList<StepMetrics> steps)
    {
        var best = steps.Where(s => s.EvalLoss is { } e && !double.IsNaN(e)).MinBy(s => s.EvalLoss!.Value);
        return new StepsSummary(steps.Count, steps.FirstOrDefault()?.Step, steps.LastOrDefault()?.Step,
            steps.LastOrDefault(s => s.Loss is not null)?.Loss, best?.EvalLoss, best?.Step);
    }
}
