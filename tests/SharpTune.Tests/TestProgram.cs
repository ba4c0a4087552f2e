namespace SharpTune.Tests;

/// <summary>
/// The test assembly's entry point. The test runner never calls it; tests that need a second real process (the
/// experiment store's concurrency and kill tests) start `dotnet SharpTune.Tests.dll COMMAND …`.
/// </summary>
public static class TestProgram
{
    public static int Main(string[] args) => args switch
    {
        ["store-writer", ..] => StoreWriter.Run(args[1..]),
        _ => Usage(),
    };

    private static int Usage()
    {
        Console.Error.WriteLine("usage: SharpTune.Tests store-writer STORE PREFIX COUNT|forever GO_FILE|-");
        return 2;
    }
}
