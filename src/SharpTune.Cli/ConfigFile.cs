using System.Text.Json;
using SharpTune.Cli.Options;
using SharpTune.IO;

namespace SharpTune.Cli;

/// <summary>
/// `--config FILE` means the same in every command that has it (train, pretrain, demo): a JSON object whose
/// keys are that command's option names without "--" (dashes or underscores), e.g. {"method": "lora", "rank": 16}.
/// Unknown keys are errors naming the key and the file. An option given on the command line wins over the
/// file (for repeatable options too: the command line's values replace the file's).
/// </summary>
public static class ConfigFile
{
    public static List<string> Expand(List<string> args)
    {
        if (CliApp.Find(args) is not { } command) return args;
        var options = OptionInfo.Of(command.Settings);
        if (!options.ContainsKey("config")) return args;
        int words = command.Path.Split(' ').Length;
        var rest = args.Skip(words).ToList();

        string? path = null;
        var kept = new List<string>();
        for (int i = 0; i < rest.Count; i++)
        {
            string? value = rest[i] == "--config" ? (i + 1 < rest.Count ? rest[++i] : throw new SharpTuneException("--config: missing value (expected FILE)"))
                : rest[i].StartsWith("--config=", StringComparison.Ordinal) ? rest[i]["--config=".Length..] : null;
            if (value is null) { kept.Add(rest[i]); continue; }
            if (path is not null) throw new SharpTuneException("--config is given more than once");
            path = value;
        }
        if (path is null) return args;

        var given = kept.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            .Select(a => a[2..].Split('=')[0]).Where(options.ContainsKey).Select(n => options[n].Property).ToHashSet();
        var expanded = new List<string>();
        var keys = new HashSet<string>();
        foreach (var p in Read(path).EnumerateObject())
        {
            var name = p.Name.Replace('_', '-');
            if (name == "config") throw new SharpTuneException($"{path}: '{p.Name}' cannot be set inside a config file");
            if (!options.TryGetValue(name, out var o))
            {
                var near = OptionScan.Nearest(name, options.Keys.Where(k => k != "config"));
                throw new SharpTuneException($"{path}: unknown option '{p.Name}' for {command.Path}{(near is null ? "" : $" (did you mean '{near}'?)")}");
            }
            if (!keys.Add(o.Name)) throw new SharpTuneException($"{path}: option '{p.Name}' is given more than once");
            if (given.Contains(o.Property)) continue; // the command line wins
            foreach (var a in Arguments(path, p.Name, o, p.Value)) expanded.Add(a);
        }
        return [.. args.Take(words), .. expanded, .. kept];
    }

    private static JsonElement Read(string path)
    {
        if (Directory.Exists(path)) throw new SharpTuneException($"--config {path}: is a folder; expected a JSON file of options");
        if (!File.Exists(path)) throw new SharpTuneException($"--config {path}: file not found");
        JsonElement root;
        // The library's strict reader (invalid UTF-8, lone surrogates, deep nesting); duplicate keys are named below.
        try { root = JsonInput.ParseDocument(File.ReadAllBytes(path), path, allowDuplicates: true).RootElement; }
        catch (IOException e) { throw new SharpTuneException($"{path}: cannot read ({Errors.OneLine(e.Message)})"); }
        catch (UnauthorizedAccessException e) { throw new SharpTuneException($"{path}: cannot read ({Errors.OneLine(e.Message)})"); }
        if (root.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{path}: expected a JSON object of option names, found {Kind(root)}");
        return root;
    }

    /// <summary>The command-line arguments one key stands for, after checking its JSON type against the option's.</summary>
    private static IEnumerable<string> Arguments(string path, string key, OptionInfo o, JsonElement v)
    {
        if (o.IsFlag)
            return v.ValueKind switch
            {
                JsonValueKind.True => [o.Name],
                JsonValueKind.False or JsonValueKind.Null => [],
                _ => throw new SharpTuneException($"{path}: option '{key}' is a flag; expected true or false, found {Kind(v)}"),
            };
        if (v.ValueKind == JsonValueKind.Null) return [];
        var values = v.ValueKind == JsonValueKind.Array && o.IsList ? v.EnumerateArray().ToList() : [v];
        var result = new List<string>();
        foreach (var e in values)
        {
            var text = e.ValueKind switch
            {
                JsonValueKind.String => e.GetString()!,
                JsonValueKind.Number => e.GetRawText(),
                _ => throw new SharpTuneException($"{path}: option '{key}' expects {(o.IsList ? "a string, number or list of them" : "a string or number")}, found {Kind(e)}"),
            };
            if (OptionScan.Convert(o, text) is { } error) throw new SharpTuneException($"{path}: {Errors.OneLine(error)}");
            result.Add(o.Name);
            result.Add(text);
        }
        return result;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object", JsonValueKind.Array => "a list", JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number", JsonValueKind.True or JsonValueKind.False => "a boolean", _ => "null",
    };
}
