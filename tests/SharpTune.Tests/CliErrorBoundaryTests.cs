using System.Runtime.InteropServices;
using SharpTune.Cli;
using SharpTune.IO;

namespace SharpTune.Tests;

/// <summary>
/// The CLI's one error boundary: user errors are one `error:` line and exit 2; anything else is one
/// `internal error:` line and exit 3, with the stack trace only in the crash log the line names.
/// </summary>
[Collection("console")]
public class CliErrorBoundaryTests
{
    // Thrown (not just constructed) so each has a real stack trace to keep off the terminal.
    private static Exception Thrown(Func<Exception> make)
    {
        try { throw make(); }
        catch (Exception e) { return e; }
    }

    private static (int Code, string Err) Report(Exception e, string logDir)
    {
        var oldErr = Console.Error;
        var oldOut = Console.Out;
        var err = new StringWriter();
        var output = new StringWriter();
        var oldEnv = Environment.GetEnvironmentVariable(CrashLog.DirVariable);
        Environment.SetEnvironmentVariable(CrashLog.DirVariable, logDir);
        Console.SetError(err);
        Console.SetOut(output);
        try { return (Errors.Report(e), err.ToString()); }
        finally
        {
            Console.SetError(oldErr);
            Console.SetOut(oldOut);
            Environment.SetEnvironmentVariable(CrashLog.DirVariable, oldEnv);
            Assert.Equal("", output.ToString()); // nothing of an error goes to stdout
        }
    }

    public static TheoryData<string> InternalKinds => ["invalid-operation", "divide-by-zero", "null-reference", "aggregate", "type-initialization", "native", "overflow"];

    private static Exception Make(string kind) => kind switch
    {
        "invalid-operation" => Thrown(() => new InvalidOperationException("Sequence contains no elements")),
        "divide-by-zero" => Thrown(() => new DivideByZeroException()),
        "null-reference" => Thrown(() => new NullReferenceException("Object reference not set to an instance of an object.\nsecond line")),
        "aggregate" => Thrown(() => new AggregateException(new SharpTuneException("fine"), Thrown(() => new InvalidOperationException("inside a task")))),
        "type-initialization" => Thrown(() => new TypeInitializationException("Some.Type", Thrown(() => new FormatException("bad static data")))),
        "native" => Thrown(() => new ExternalException("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you tried to allocate 8000000000000 bytes.\nException raised from alloc_cpu at ...")),
        _ => Thrown(() => new OverflowException("Value was either too large or too small for an Int32.")),
    };

    [Theory]
    [MemberData(nameof(InternalKinds))]
    public void AnInternalErrorIsOneLineExit3AndTheTraceGoesToTheLog(string kind)
    {
        var logs = Shared.TempDir();
        var ex = Make(kind);
        var (code, err) = Report(ex, logs);
        Assert.Equal(3, code);
        var line = Assert.Single(err.TrimEnd('\n').Split('\n'));
        var reported = Errors.Unwrap(ex);
        var m = System.Text.RegularExpressions.Regex.Match(line, @"^internal error: (\S+): (.*) \(details: (.+)\)$");
        Assert.True(m.Success, line);
        Assert.Equal(reported.GetType().FullName, m.Groups[1].Value);
        Assert.Equal(reported.Message.Split('\n')[0].Trim(), m.Groups[2].Value);
        Assert.DoesNotMatch(@"at [\w.`<>]+\(", line); // no stack frame
        Assert.DoesNotContain("Exception raised from", line); // libtorch's second line
        var log = m.Groups[3].Value;
        Assert.StartsWith(logs, log);
        Assert.Matches(@"crash-\d{8}T\d{6}\.\d{3}Z-\d+\.log$", log);
        var text = File.ReadAllText(log);
        Assert.Contains(ex.ToString(), text); // the whole trace, wrappers included
        Assert.Contains(nameof(Thrown), text);
    }

    [Fact]
    public void AnUnwritableLogFolderFallsBackToTheStateFolder()
    {
        var blocker = Path.Combine(Shared.TempDir(), "a-file");
        File.WriteAllText(blocker, "");
        var state = Shared.TempDir();
        var old = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        Environment.SetEnvironmentVariable("XDG_STATE_HOME", state);
        try
        {
            var (code, err) = Report(Thrown(() => new InvalidOperationException("x")), Path.Combine(blocker, "logs"));
            Assert.Equal(3, code);
            Assert.Contains($"(details: {Path.Combine(state, "sharptune", "logs")}", err);
        }
        finally { Environment.SetEnvironmentVariable("XDG_STATE_HOME", old); }
    }

    [Fact]
    public void UserErrorsAreOneLineExit2()
    {
        var logs = Shared.TempDir();
        var (code, err) = Report(Thrown(() => new SharpTuneException("config.json: vocab_size is 0;\nexpected a positive integer")), logs);
        Assert.Equal(2, code);
        Assert.Equal("error: config.json: vocab_size is 0; expected a positive integer\n", err.ReplaceLineEndings("\n"));
        // Every failure of a batch is the user's: still a user error.
        (code, err) = Report(new AggregateException(new SharpTuneException("a.jsonl:3: field 'summary' is missing"), new SharpTuneException("b")), logs);
        Assert.Equal(2, code);
        Assert.Equal("error: a.jsonl:3: field 'summary' is missing", err.Trim());
        (code, err) = Report(new TypeInitializationException("T", new SharpTuneException("inner")), logs);
        Assert.Equal((2, "error: inner"), (code, err.Trim()));
        (code, err) = Report(Thrown(() => new UnauthorizedAccessException("Access to the path '/x/y' is denied.")), logs);
        Assert.Equal((2, "error: Access to the path '/x/y' is denied."), (code, err.Trim()));
        (code, err) = Report(new OperationCanceledException(), logs);
        Assert.Equal(130, code);
        Assert.Empty(Directory.GetFiles(logs)); // no crash log for any of these
    }

    [Theory]
    [InlineData("frob")]                  // unknown command
    [InlineData("train", "x")]            // stray argument
    [InlineData("tokenizer", "frob")]     // unknown sub-command
    public void SpectreParseErrorsAreOneLineWithoutATrace(params string[] args)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith("error: ", Assert.Single(err.TrimEnd('\n').Split('\n')));
    }
}
