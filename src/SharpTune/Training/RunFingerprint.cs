using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SharpTune.IO;

namespace SharpTune.Training;

/// <summary>
/// What defines a run, recorded in run.json and in every checkpoint (trainer_state.json, which the manifest
/// covers), so that --resume refuses to continue a run with other settings or inputs: the result would be neither
/// the old run nor the new one.
/// <para>Options: the recipe's option record flattened to "name → JSON value" (CLI names where the recipe maps
/// them), minus what does not change the trained values (where the run is written, --resume/--force, how often it
/// checkpoints, the device). Files: the SHA-256 of each input's full bytes (data, dev data, base model config and
/// weights, tokenizer), keyed by role, so moving or renaming an input is allowed and changing its content is not.
/// <see cref="Sha256"/> hashes both, to compare runs at a glance.</para>
/// </summary>
public sealed record RunFingerprint
{
    [JsonPropertyName("sha256")] public string Sha256 { get; init; } = "";
    [JsonPropertyName("options")] public Dictionary<string, string> Options { get; init; } = new();
    [JsonPropertyName("files")] public Dictionary<string, FileFingerprint> Files { get; init; } = new();

    private static readonly JsonSerializerOptions Json = new()
    {
        Converters = { new JsonStringEnumConverter() }, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <param name="options">The recipe's options record (serialised as JSON, then flattened: "Trainer.LearningRate").</param>
    /// <param name="names">Display names for flattened paths (e.g. "Trainer.LearningRate" → "--lr"); others keep their path.</param>
    /// <param name="excluded">Flattened paths that do not define the run.</param>
    /// <param name="files">(role, path) of every input file; a missing file is left out (its reader reports it).</param>
    public static RunFingerprint Create(object options, IReadOnlyDictionary<string, string> names, IEnumerable<string> excluded,
        IEnumerable<(string Role, string Path)> files)
    {
        var skip = excluded.ToHashSet(StringComparer.Ordinal);
        var flat = new List<(string Name, string Value)>();
        Flatten(JsonSerializer.SerializeToNode(options, options.GetType(), Json), "", skip, names, flat);
        var opts = new Dictionary<string, string>();
        foreach (var (name, value) in flat.OrderBy(o => o.Name, StringComparer.Ordinal)) opts[name] = value;
        var fileMap = new Dictionary<string, FileFingerprint>();
        foreach (var (role, path) in files.Where(f => File.Exists(f.Path)).OrderBy(f => f.Role, StringComparer.Ordinal))
            fileMap[role] = Hash(path);
        // Canonical form: sorted pairs as JSON (unambiguous whatever the values hold); file names are left out.
        var canonical = JsonSerializer.Serialize(new
        {
            options = opts.Select(o => new[] { o.Key, o.Value }),
            files = fileMap.Select(f => new[] { f.Key, f.Value.Sha256 }),
        });
        return new RunFingerprint
        {
            Sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))), Options = opts, Files = fileMap,
        };
    }

    /// <summary>The files of a folder input that exist, as (option + file name, path): e.g. ("--model config.json", …).</summary>
    public static IEnumerable<(string Role, string Path)> FolderFiles(string option, string dir, params string[] patterns) =>
        !Directory.Exists(dir) ? [] :
        patterns.SelectMany(p => Directory.EnumerateFiles(dir, p, SearchOption.TopDirectoryOnly)).Distinct()
            .Order(StringComparer.Ordinal).Select(f => ($"{option} {Path.GetFileName(f)}", f));

    /// <summary>What differs from <paramref name="run"/> (the recorded one), as short phrases; empty when nothing does.</summary>
    public IReadOnlyList<string> Differences(RunFingerprint run)
    {
        var found = new List<string>();
        foreach (var key in run.Options.Keys.Union(Options.Keys).Order(StringComparer.Ordinal))
        {
            var before = run.Options.GetValueOrDefault(key);
            var now = Options.GetValueOrDefault(key);
            if (before != now) found.Add($"{key} {before ?? "(not set)"} → {now ?? "(not set)"}");
        }
        foreach (var role in run.Files.Keys.Union(Files.Keys).Order(StringComparer.Ordinal))
        {
            var before = run.Files.GetValueOrDefault(role);
            var now = Files.GetValueOrDefault(role);
            if (before is null) found.Add($"{role}: none → {now!.Name}");
            else if (now is null) found.Add($"{role}: {before.Name} → none");
            else if (before.Sha256 != now.Sha256)
                found.Add(before.Name == now.Name ? $"the {role} file {now.Name} changed since the run started" : $"{role} {before.Name} → {now.Name} (other content)");
        }
        if (found.Count == 0 && run.Sha256 != Sha256) found.Add($"fingerprint {run.Sha256[..Math.Min(12, run.Sha256.Length)]} → {Sha256[..12]}");
        return found;
    }

    /// <summary>
    /// Refuses (one line) to resume the run in <paramref name="outDir"/> when its checkpoint's fingerprint
    /// (<paramref name="recorded"/>) differs from this one, or when the checkpoint has none (an older SharpTune's).
    /// </summary>
    public void CheckResume(string outDir, RunFingerprint? recorded)
    {
        if (recorded is null)
            throw new SharpTuneException($"{outDir}: the checkpoint records no run fingerprint (made by an older SharpTune), so --resume cannot check that it continues the same run; start afresh with --force");
        var differences = Differences(recorded);
        if (differences.Count > 0)
            throw new SharpTuneException($"{outDir}: --resume with a different run than the checkpoint's ({string.Join("; ", differences)}); resume with the run's own options and files, or start afresh with --force");
    }

    private static FileFingerprint Hash(string path)
    {
        using var fs = File.OpenRead(path);
        return new FileFingerprint(Path.GetFileName(path), fs.Length, Convert.ToHexStringLower(SHA256.HashData(fs)));
    }

    private static void Flatten(JsonNode? node, string path, HashSet<string> skip, IReadOnlyDictionary<string, string> names, List<(string, string)> into)
    {
        if (skip.Contains(path)) return;
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj) Flatten(child, path == "" ? key : $"{path}.{key}", skip, names, into);
            return;
        }
        into.Add((names.GetValueOrDefault(path) ?? path, node?.ToJsonString(Json) ?? "null"));
    }
}
