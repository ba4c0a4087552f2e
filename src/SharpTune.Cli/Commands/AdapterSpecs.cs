using SharpTune.IO;

namespace SharpTune.Cli.Commands;

/// <summary>`--adapter NAME=DIR` values of serve and bench serve: names in order, each folder given once.</summary>
public static class AdapterSpecs
{
    public const string Pattern = @"[^=\s:]+=.+";

    public static IReadOnlyDictionary<string, string> Parse(IEnumerable<string> specs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            if (eq <= 0 || eq == spec.Length - 1) throw new SharpTuneException($"--adapter {spec}: expected NAME=DIR (e.g. retell=models/retell-manpages)");
            var name = spec[..eq];
            if (!result.TryAdd(name, spec[(eq + 1)..])) throw new SharpTuneException($"--adapter {spec}: the name '{name}' is given twice");
        }
        return result;
    }
}
