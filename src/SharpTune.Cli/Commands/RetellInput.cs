using SharpTune.Retelling;

namespace SharpTune.Cli.Commands;

/// <summary>An INPUT argument of extract/summarize: a file, or standard input for "-" (read as bytes, so its encoding is detected too).</summary>
public static class RetellInput
{
    public static ExtractedDocument Read(string input)
    {
        if (input != TokenizeCommand.StdinMarker) return InputReader.ReadFile(input);
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return InputReader.Read(InputReader.StdinName, buffer.ToArray());
    }

    public static string Name(string input) => input == TokenizeCommand.StdinMarker ? InputReader.StdinName : input;
}
