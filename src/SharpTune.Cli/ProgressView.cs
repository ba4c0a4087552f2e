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

    /// <summary>
    /// A bar on standard error over work counted in items whose total may grow (map-reduce learns its reduce levels as it
    /// goes): standard output stays the command's result. Nothing is drawn when standard error is not a terminal.
    /// </summary>
    public static T RunCounted<T>(string title, Func<Action<int, int>, T> body)
    {
        if (Console.IsErrorRedirected) return body((_, _) => { });
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (!console.Profile.Capabilities.Interactive) return body((_, _) => { });
        T result = default!;
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: 1);
                result = body((done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                    task.Description = Markup.Escape($"{title} {done}/{total} chunks");
                });
            });
        return result;
    }

    private static string Line(string title, TrainProgress p) =>
        $"{title} step {p.Step}/{p.MaxSteps} loss {p.Loss:F4}{(p.EvalLoss is double e ? $" eval {e:F4}" : "")} lr {p.LearningRate:E1} {p.TokensPerSecond:F0} tok/s eta {p.Eta:hh\\:mm\\:ss}";
}
