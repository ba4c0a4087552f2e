using Spectre.Console;

namespace SharpTune.Cli;

public static class Output
{
    /// <summary>A Spectre console over the current Console.Out (AnsiConsole.Console captures the writer once, at first use).</summary>
    public static IAnsiConsole Current() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
}
