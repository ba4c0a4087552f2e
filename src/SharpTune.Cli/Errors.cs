using SharpTune.IO;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli;

/// <summary>One line on stderr for anything the user can fix; a stack trace only for real bugs.</summary>
public static class Errors
{
    public static int Report(Exception ex)
    {
        var inner = ex is TypeInitializationException or System.Reflection.TargetInvocationException && ex.InnerException is not null ? ex.InnerException! : ex;
        switch (inner)
        {
            case SharpTuneException or CommandParseException or CommandRuntimeException:
                Console.Error.WriteLine($"error: {inner.Message}");
                return 2;
            case OperationCanceledException:
                Console.Error.WriteLine("cancelled");
                return 130;
            default:
                AnsiConsole.WriteException(inner, ExceptionFormats.ShortenEverything);
                return 1;
        }
    }
}
