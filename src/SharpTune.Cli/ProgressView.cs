using SharpTune.Training;
using Spectre.Console;

namespace SharpTune.Cli;

/// <summary>
/// A Spectre progress bar over a training run (loss, tokens/s, ETA). When output is not a terminal
/// (CI, logs) it prints a plain line every few percent instead.
/// </summary>
public static class ProgressView
{
    public static T Run<T>(string title, long total, Func<Action<TrainProgress>, T> body)
    {
        var console = AnsiConsole.Console;
        if (!console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            long every = Math.Max(1, total / 50);
            return body(p =>
            {
                if (p.Step % every == 0 || p.Step == p.MaxSteps || p.EvalLoss is not null)
                    Console.WriteLine(Line(title, p));
            });
        }
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                result = body(p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape(Line(title, p));
                });
            });
        return result;
    }

    private static string Line(string title, TrainProgress p) =>
        $"{title} step {p.Step}/{p.MaxSteps} loss {p.Loss:F4}{(p.EvalLoss is double e ? $" eval {e:F4}" : "")} lr {p.LearningRate:E1} {p.TokensPerSecond:F0} tok/s eta {p.Eta:hh\\:mm\\:ss}";
}
