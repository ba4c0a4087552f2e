using System.Globalization;
using SharpTune.IO;

namespace SharpTune.Cli.Commands;

internal static class Parse
{
    /// <summary>"1,2,3" → ids, each in [0, vocabSize) when the size is known, with an error that names the option.</summary>
    public static int[] Ids(string text, string option, int? vocabSize = null)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new SharpTuneException($"{option} {text}: expected comma-separated integers such as 1,2,3");
        var ids = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
                throw new SharpTuneException($"{option} {Short(text)}: expected comma-separated integers such as 1,2,3 ('{Short(parts[i])}' is not one)");
            if (id < 0 || id > int.MaxValue || (vocabSize is int v && id >= v))
                throw new SharpTuneException($"{option}: id {id} is outside {(vocabSize is int n ? $"the vocabulary [0, {n})" : "[0, 2^31)")}");
            ids[i] = (int)id;
        }
        return ids;
    }

    private static string Short(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
