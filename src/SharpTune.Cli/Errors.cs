using System.Text.RegularExpressions;
using SharpTune.IO;
using Spectre.Console.Cli;

namespace SharpTune.Cli;

/// <summary>
/// The one error boundary of the CLI. Exit codes: 0 success, 1 a check that ran and failed (`check`),
/// 2 bad input or a file-system refusal (one line `error: …` naming the file, field or option), 3 internal error (one line naming the
/// exception type and a log file that holds the stack trace), 130 interrupted (Ctrl-C / SIGTERM).
/// A stack trace never reaches the terminal: it is written only to the crash log.
/// </summary>
public static partial class Errors
{
    public const int BadInput = 2;
    public const int Internal = 3;
    public const int Interrupted = 130;

    public static int Report(Exception ex)
    {
        var inner = Unwrap(ex);
        switch (inner)
        {
            case SharpTuneException or CommandParseException or CommandRuntimeException:
                Console.Error.WriteLine($"error: {OneLine(UserMessage(inner))}");
                return BadInput;
            // The file system refused (permission denied, disk full, a path through a file): the user fixes that,
            // and .NET's message names the path.
            case IOException or UnauthorizedAccessException:
                Console.Error.WriteLine($"error: {OneLine(inner.Message)}");
                return BadInput;
            case OperationCanceledException:
                Console.Error.WriteLine("interrupted");
                return Interrupted;
            default:
                var log = CrashLog.Write(ex);
                Console.Error.WriteLine($"internal error: {inner.GetType().FullName}: {FirstLine(inner.Message)} (details: {log})");
                return Internal;
        }
    }

    /// <summary>
    /// The exception that says what went wrong: wrappers (type initialisers, reflection, tasks) are peeled off.
    /// An AggregateException is a user error only if every inner failure is one; otherwise its first other
    /// failure is the bug to report.
    /// </summary>
    public static Exception Unwrap(Exception ex)
    {
        while (true)
        {
            switch (ex)
            {
                case TypeInitializationException or System.Reflection.TargetInvocationException when ex.InnerException is not null:
                    ex = ex.InnerException;
                    continue;
                case AggregateException agg when agg.Flatten().InnerExceptions.Count > 0:
                    var all = agg.Flatten().InnerExceptions.Select(Unwrap).ToList();
                    return all.FirstOrDefault(e => !IsExpected(e)) ?? all[0];
                default:
                    return ex;
            }
        }
    }

    private static bool IsExpected(Exception e) => e is SharpTuneException or CommandParseException or CommandRuntimeException or OperationCanceledException or IOException or UnauthorizedAccessException;

    // Spectre names an unknown option without its dashes ("Unknown option 'rnak'"); say it as the user typed it.
    private static string UserMessage(Exception e)
    {
        var m = UnknownOption().Match(e.Message);
        if (!m.Success) return e.Message;
        var name = m.Groups[1].Value;
        return $"unknown option {(name.Length == 1 ? "-" : "--")}{name}";
    }

    [GeneratedRegex(@"^Unknown option '([^']+)'")]
    private static partial Regex UnknownOption();

    /// <summary>Collapses line breaks and runs of whitespace, so any message is one terminal line.</summary>
    public static string OneLine(string message) => Whitespace().Replace(message, " ").Trim();

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return OneLine(line);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
