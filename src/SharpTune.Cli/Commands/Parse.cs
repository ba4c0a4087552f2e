using SharpTune.IO;

namespace SharpTune.Cli.Commands;

internal static class Parse
{
    /// <summary>"1,2,3" → ids, with an error that names the option.</summary>
    public static int[] Ids(string text, string option)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        }
        catch (FormatException)
        {
            throw new SharpTuneException($"{option} {text}: expected comma-separated integers such as 1,2,3");
        }
    }
}
