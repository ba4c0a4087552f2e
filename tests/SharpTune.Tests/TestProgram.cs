namespace SharpTune.Tests;

/// <summary>
/// The test assembly's entry point. The test runner never calls it; tests that need a second real process (the
/// experiment store's concurrency and kill tests, the cross-process data order) start `dotnet SharpTune.Tests.dll COMMAND …`.
/// </summary>
public static class TestProgram
{
    public static int Main(string[] args) => args switch
    {
        ["store-writer", ..] => StoreWriter.Run(args[1..]),
        [DataOrderProbe.Command, var tokenizer, var data, var seed, var n] => DataOrder(tokenizer, data, int.Parse(seed), int.Parse(n)),
        _ => Usage(),
    };

    private static int DataOrder(string tokenizer, string data, int seed, int n)
    {
        foreach (var line in DataOrderProbe.Describe(tokenizer, data, seed, n)) Console.WriteLine(line);
        Console.WriteLine($"string-hash: {"sharptune".GetHashCode()}");
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine($"usage: SharpTune.Tests store-writer STORE PREFIX COUNT|forever GO_FILE|- | {DataOrderProbe.Command} TOKENIZER_DIR DATA.jsonl SEED BATCHES");
        return 2;
    }
}
