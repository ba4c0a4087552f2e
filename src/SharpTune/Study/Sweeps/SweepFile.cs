using System.Globalization;
using System.Text.Json;
using SharpTune.IO;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SharpTune.Study.Sweeps;

/// <summary>
/// Reads a sweep file (YAML or JSON — JSON is YAML) in the spirit of axolotl's sweeps:
/// <code>
/// name: rank-sweep
/// base:    { model: models/sharptune-base, data: train.jsonl, dev: dev.jsonl, method: lora, max_steps: 250 }
/// grid:    { rank: [4, 8, 16], scaling: [classic, rslora], seed: [1, 2, 3] }   # crossed
/// coupled: [ { method: lora, lr: 2e-3 }, { method: full, lr: 1e-4 } ]          # settings that go together, crossed with the grid
/// eval:    { limit: 100, injection_limit: 30 }
/// resources: { cpus: 2, mem: 4G, time: "00:30:00" }                          # what each trial asks a cluster for
/// </code>
/// Every trial = base, overridden by one combination of the grid, overridden by one coupled block.
/// </summary>
public static class SweepFile
{
    public static SweepPlan Load(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: sweep file not found");
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using (var reader = new StringReader(File.ReadAllText(path))) stream.Load(reader);
            root = stream.Documents.Count == 1 && stream.Documents[0].RootNode is YamlMappingNode m
                ? m : throw new SharpTuneException($"{path}: expected one YAML/JSON mapping with name, base, grid, coupled, eval");
        }
        catch (YamlException e)
        {
            throw new SharpTuneException($"{path}: line {e.Start.Line}: {e.Message.Split('\n')[0]}");
        }
        string name = Path.GetFileNameWithoutExtension(path);
        var @base = new Dictionary<string, string>();
        var grid = new List<(string Key, List<string> Values)>();
        var coupled = new List<Dictionary<string, string>>();
        var eval = new Dictionary<string, string>();
        Cluster.TrialResources? resources = null;
        foreach (var (k, v) in root.Children)
        {
            var key = Scalar(k, path, "a top-level key");
            switch (key)
            {
                case "name": name = Scalar(v, path, "name"); break;
                case "base": @base = Mapping(v, path, "base"); break;
                case "eval": eval = Mapping(v, path, "eval"); break;
                case "resources": resources = Resources(Mapping(v, path, "resources"), path); break;
                case "grid":
                    if (v is not YamlMappingNode g) throw new SharpTuneException($"{path}: grid must map option names to lists of values");
                    foreach (var (gk, gv) in g.Children)
                    {
                        var option = Normalise(Scalar(gk, path, "a grid key"));
                        var values = gv is YamlSequenceNode seq ? seq.Children.Select(c => Scalar(c, path, $"grid.{option}")).ToList() : [Scalar(gv, path, $"grid.{option}")];
                        if (values.Count == 0) throw new SharpTuneException($"{path}: grid.{option} is an empty list");
                        grid.Add((option, values));
                    }
                    break;
                case "coupled":
                    if (v is not YamlSequenceNode cs) throw new SharpTuneException($"{path}: coupled must be a list of option mappings");
                    coupled.AddRange(cs.Children.Select((c, i) => Mapping(c, path, $"coupled[{i}]")));
                    break;
                default: throw new SharpTuneException($"{path}: unknown key '{key}' (expected name, base, grid, coupled, eval, resources)");
            }
        }
        return Expand(name, @base, grid, coupled, eval) with { Resources = resources };
    }

    private static Cluster.TrialResources Resources(Dictionary<string, string> m, string path)
    {
        int? cpus = null;
        foreach (var key in m.Keys)
            if (key is not ("cpus" or "mem" or "time")) throw new SharpTuneException($"{path}: resources.{key} is unknown (expected cpus, mem, time)");
        if (m.TryGetValue("cpus", out var c))
            cpus = int.TryParse(c, out var n) && n >= 1 ? n : throw new SharpTuneException($"{path}: resources.cpus '{c}' must be a whole number ≥ 1");
        var mem = m.GetValueOrDefault("mem");
        if (mem is not null && !System.Text.RegularExpressions.Regex.IsMatch(mem, "^[0-9]+[KMGT]?$"))
            throw new SharpTuneException($"{path}: resources.mem '{mem}' must be a size like 4G or 512M");
        var time = m.GetValueOrDefault("time");
        if (time is not null && !System.Text.RegularExpressions.Regex.IsMatch(time, @"^([0-9]+-)?[0-9]+(:[0-9]{2}){0,2}$"))
            throw new SharpTuneException($"{path}: resources.time '{time}' must be minutes or [D-]HH:MM:SS as Slurm reads it");
        return new Cluster.TrialResources(cpus, mem, time);
    }

    /// <summary>The cross product of the grid (first key outermost), each combined with every coupled block.</summary>
    public static SweepPlan Expand(string name, IReadOnlyDictionary<string, string> @base, IReadOnlyList<(string Key, List<string> Values)> grid,
                                   IReadOnlyList<Dictionary<string, string>> coupled, IReadOnlyDictionary<string, string> eval)
    {
        IEnumerable<Dictionary<string, string>> combos = [new Dictionary<string, string>(@base.Select(kv => KeyValuePair.Create(Normalise(kv.Key), kv.Value)))];
        foreach (var (key, values) in grid)
            combos = combos.SelectMany(c => values.Select(v => new Dictionary<string, string>(c) { [key] = v })).ToList();
        if (coupled.Count > 0)
            combos = combos.SelectMany(c => coupled.Select(block =>
            {
                var d = new Dictionary<string, string>(c);
                foreach (var (k, v) in block) d[Normalise(k)] = v;
                return d;
            })).ToList();
        return FromSettings(name, combos, eval);
    }

    /// <summary>A plan of these trials, refusing two with the same settings (they would share an id and a folder).</summary>
    public static SweepPlan FromSettings(string name, IEnumerable<IReadOnlyDictionary<string, string>> settings, IReadOnlyDictionary<string, string> eval)
    {
        var trials = settings.Select(c => new TrialSpec(c)).ToList();
        var ids = new HashSet<string>();
        foreach (var t in trials)
            if (!ids.Add(t.Id(name))) throw new SharpTuneException($"sweep '{name}': two trials have the same settings ({t.Label(t.Settings.Keys)}); a coupled block repeats a grid value");
        return new SweepPlan(name, trials, eval.ToDictionary(kv => Normalise(kv.Key), kv => kv.Value));
    }

    /// <summary>Option names are compared as snake_case ("max-steps" and "max_steps" are one key).</summary>
    public static string Normalise(string key) => key.Trim().TrimStart('-').Replace('-', '_');

    private static string Scalar(YamlNode node, string path, string what) => node is YamlScalarNode s && s.Value is not null
        ? s.Value : throw new SharpTuneException($"{path}: {what} must be a single value (line {node.Start.Line})");

    private static Dictionary<string, string> Mapping(YamlNode node, string path, string what)
    {
        if (node is not YamlMappingNode m) throw new SharpTuneException($"{path}: {what} must map option names to values (line {node.Start.Line})");
        var d = new Dictionary<string, string>();
        foreach (var (k, v) in m.Children)
        {
            var key = Normalise(Scalar(k, path, $"a key of {what}"));
            d[key] = v is YamlSequenceNode seq ? string.Join(",", seq.Children.Select(c => Scalar(c, path, $"{what}.{key}"))) : Scalar(v, path, $"{what}.{key}");
        }
        return d;
    }
}
