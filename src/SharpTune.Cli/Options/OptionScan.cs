using System.Globalization;
using SharpTune.IO;

namespace SharpTune.Cli.Options;

/// <summary>
/// Reads the raw arguments of a command before Spectre binds them, so that every mistake is one line naming
/// the option: an unknown option (with the nearest real one), a missing value, a value that is not a number,
/// a scalar option given twice, a stray positional argument. Spectre's own messages for these say
/// "Failed to convert '2x' to Int32." without the option.
/// </summary>
public static class OptionScan
{
    public static void Check(string command, Type settings, IReadOnlyList<string> args)
    {
        var options = OptionInfo.Of(settings);
        int positionalAllowed = OptionInfo.PositionalCount(settings), positional = 0;
        var seen = new HashSet<OptionInfo>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") break; // everything after is positional, as Spectre reads it
            if (!a.StartsWith('-') || a.Length == 1 || IsNumber(a))
            {
                if (++positional > positionalAllowed)
                    throw new SharpTuneException($"{command}: unexpected argument '{a}'" + (positionalAllowed == 0 ? " (options start with --)" : ""));
                continue;
            }
            if (!a.StartsWith("--")) throw new SharpTuneException($"{command}: unknown option {a}; options are spelled --name (see sharptune {command} --help)");
            var eq = a.IndexOf('=');
            var name = eq < 0 ? a[2..] : a[2..eq];
            if (!options.TryGetValue(name, out var o))
            {
                var near = Nearest(name, options.Keys);
                throw new SharpTuneException($"unknown option --{name} for {command}{(near is null ? "" : $" (did you mean --{near}?)")}; see sharptune {command} --help");
            }
            if (!seen.Add(o) && !o.IsList) throw new SharpTuneException($"{o.Name} is given more than once");
            string? value = eq >= 0 ? a[(eq + 1)..] : null;
            if (o.IsFlag)
            {
                if (value is null && i + 1 < args.Count && bool.TryParse(args[i + 1], out _)) value = args[++i];
                if (value is not null && !bool.TryParse(value, out _)) throw new SharpTuneException($"{o.Name} {value}: a flag takes no value (or true/false)");
                continue;
            }
            if (value is null)
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--") && args[i + 1].Length > 2))
                    throw new SharpTuneException($"{o.Name}: missing value (expected {o.Attribute.ValueName ?? "a value"})");
                value = args[++i];
            }
            if (Convert(o, value) is { } error) throw new SharpTuneException(error);
        }
    }

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>Whether a value parses as the option's type; the error names the option.</summary>
    public static string? Convert(OptionInfo o, string value)
    {
        var t = o.ValueType;
        if (t == typeof(int) && !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            return $"{o.Name} {value}: expected a whole number{(long.TryParse(value, out _) ? " below 2^31" : "")}";
        if (t == typeof(long) && !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            return $"{o.Name} {value}: expected a whole number";
        if (t == typeof(double) && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            return $"{o.Name} {value}: expected a number";
        return null;
    }

    /// <summary>The option name closest to a misspelling (edit distance ≤ 2, or a prefix), if any.</summary>
    public static string? Nearest(string name, IEnumerable<string> names)
    {
        var best = names.Select(n => (n, d: Distance(name, n))).OrderBy(x => x.d).ThenBy(x => x.n, StringComparer.Ordinal).FirstOrDefault();
        if (best.n is null) return null;
        return best.d <= Math.Max(1, Math.Min(2, name.Length / 3)) ? best.n : names.FirstOrDefault(n => n.StartsWith(name, StringComparison.Ordinal) && name.Length >= 3);
    }

    // Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps ("rnak" → "rank" is 1).
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
