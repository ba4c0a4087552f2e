using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Cli;

/// <summary>
/// `sharptune train --config FILE`: the file's JSON keys are option names without "--". They are placed
/// before the command-line options, so an option given on the command line wins over the file.
/// </summary>
public static class ConfigFile
{
    public static List<string> Expand(List<string> args)
    {
        if (args.Count == 0 || args[0] != "train") return args;
        int at = args.IndexOf("--config");
        if (at < 0 || at + 1 >= args.Count) return args;
        var path = args[at + 1];
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: config file not found");
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(path)).RootElement; }
        catch (JsonException e) { throw new SharpTuneException($"{path}: invalid JSON ({e.Message})"); }
        if (root.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{path}: expected a JSON object of option names");
        var expanded = new List<string>();
        foreach (var p in root.EnumerateObject())
        {
            var name = "--" + p.Name.Replace('_', '-');
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.True: expanded.Add(name); break;
                case JsonValueKind.False or JsonValueKind.Null: break;
                case JsonValueKind.Array:
                    foreach (var v in p.Value.EnumerateArray()) { expanded.Add(name); expanded.Add(v.ToString()); }
                    break;
                case JsonValueKind.Object: throw new SharpTuneException($"{path}: option '{p.Name}' must be a string, number, boolean or list");
                default: expanded.Add(name); expanded.Add(p.Value.ToString()); break;
            }
        }
        var result = new List<string> { args[0] };
        result.AddRange(expanded);
        result.AddRange(args.Skip(1).Where((_, i) => i + 1 != at && i + 1 != at + 1));
        return result;
    }
}
