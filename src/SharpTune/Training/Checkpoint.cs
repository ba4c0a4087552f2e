using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// OutDir/checkpoint/{trainable.safetensors, optimizer.safetensors, trainer_state.json, manifest.json}, and
/// best.safetensors (the trainable values at the best dev loss so far, <see cref="TrainerState.BestStep"/>) once
/// the run has evaluated, so a resumed run ends with the same best step as an uninterrupted one.
/// <para>Save: the new checkpoint is written to checkpoint.tmp, its manifest.json (every file's size and SHA-256)
/// last, so a folder with a manifest that matches its files is complete. Then checkpoint → checkpoint.old,
/// checkpoint.tmp → checkpoint, and checkpoint.old is deleted (manifest first, so a half-deleted folder is never
/// taken for complete).</para>
/// <para>Recovery (<see cref="Recover"/>) accepts every state a kill can leave: of checkpoint, checkpoint.tmp and
/// checkpoint.old it takes the complete one with the most steps, renames it to checkpoint and deletes the rest.</para>
/// </summary>
public static class Checkpoint
{
    public const string Folder = "checkpoint";
    public const string Weights = "trainable.safetensors", Optimizer = "optimizer.safetensors", State = "trainer_state.json", Manifest = "manifest.json";
    public const string Best = "best.safetensors";
    private static readonly string[] Files = [Weights, Optimizer, State];

    /// <param name="best">The best step's trainable values (a safetensors file), required when the state has a <see cref="TrainerState.BestStep"/>.</param>
    public static void Save(string outDir, IEnumerable<(string Name, Parameter P)> trainable, AdamW optimizer, TrainerState state, string? best = null)
    {
        if (state.BestStep is not null && (best is null || !File.Exists(best)))
            throw new InvalidOperationException($"checkpoint at step {state.Step}: best step {state.BestStep} has no snapshot to save");
        var final = Path.Combine(outDir, Folder);
        var tmp = final + ".tmp";
        var old = final + ".old";
        Delete(tmp);
        Directory.CreateDirectory(tmp);
        SafeTensorsFile.Save(Path.Combine(tmp, Weights), trainable.Select(t => KeyValuePair.Create(t.Name, (Tensor)t.P)));
        optimizer.Save(Path.Combine(tmp, Optimizer));
        AtomicFile.WriteAllText(Path.Combine(tmp, State), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        if (state.BestStep is not null) File.Copy(best!, Path.Combine(tmp, Best));
        WriteManifest(tmp, state.Step);
        Delete(old);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(tmp, final);
        Delete(old);
    }

    /// <summary>
    /// The complete checkpoint with the most steps among checkpoint, checkpoint.tmp and checkpoint.old, without
    /// changing anything on disk; null when there is none. A checkpoint or checkpoint.old folder that exists but
    /// is damaged, with no complete one beside it, is an error naming the damaged file.
    /// </summary>
    public static string? Find(string outDir)
    {
        var found = Candidates(outDir).Select(d => (Dir: d, Check: Inspect(d))).ToList();
        var best = found.Where(c => c.Check.Problem is null).OrderByDescending(c => c.Check.Step).Select(c => c.Dir).FirstOrDefault();
        if (best is not null) return best;
        // A partial checkpoint.tmp is only an interrupted write: as if that save never began.
        var damaged = found.FirstOrDefault(c => !c.Dir.EndsWith(".tmp"));
        if (damaged.Dir is not null)
            throw new SharpTuneException($"{damaged.Check.Problem}; no other complete checkpoint in {outDir} to resume from");
        return null;
    }

    /// <summary><see cref="Find"/>, or a one-line error saying there is nothing to resume.</summary>
    public static string Require(string outDir) => Find(outDir)
        ?? throw new SharpTuneException($"{outDir}: no checkpoint to resume from (expected {Path.Combine(outDir, Folder)}" +
                                        $"{(Directory.Exists(Path.Combine(outDir, Folder + ".tmp")) ? "; checkpoint.tmp is an interrupted first save" : "")}); run without --resume to start afresh");

    /// <summary>
    /// Puts the best complete checkpoint (<see cref="Require"/>) at OutDir/checkpoint and deletes the other
    /// (older, partial or damaged) ones, so the next <see cref="Save"/> starts from a clean state. Returns its path.
    /// </summary>
    public static string Recover(string outDir)
    {
        var best = Require(outDir);
        var final = Path.Combine(outDir, Folder);
        if (best != final)
        {
            Delete(final);
            Directory.Move(best, final);
        }
        foreach (var other in Candidates(outDir).Where(d => d != final)) Delete(other);
        return final;
    }

    public static TrainerState Load(string dir, IEnumerable<(string Name, Parameter P)> trainable, AdamW optimizer)
    {
        var state = ReadState(dir);
        LoadValues(Path.Combine(dir, Weights), trainable);
        optimizer.Load(Path.Combine(dir, Optimizer));
        return state;
    }

    /// <summary>The trainer state of a checkpoint folder, or a one-line error naming what is wrong with it.</summary>
    public static TrainerState ReadState(string dir) => ReadState(dir, out var problem) ?? throw new SharpTuneException(problem!);

    /// <summary>Copies every trainable parameter's values from a safetensors file (a checkpoint's weights or best snapshot).</summary>
    public static void LoadValues(string path, IEnumerable<(string Name, Parameter P)> trainable)
    {
        var weights = SafeTensorsFile.Open(path);
        using (no_grad())
            foreach (var (name, p) in trainable)
            {
                if (!weights.Contains(name)) throw new SharpTuneException($"{weights.Path}: tensor '{name}' is missing (was the checkpoint made with other settings?)");
                using var t = weights.Load(name);
                if (!t.shape.SequenceEqual(p.shape)) throw new SharpTuneException($"{weights.Path}: tensor '{name}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", p.shape)}]");
                p.copy_(t);
            }
    }

    /// <summary>The checkpoint folders (complete or not) present in OutDir.</summary>
    public static IEnumerable<string> Candidates(string outDir)
    {
        var final = Path.Combine(outDir, Folder);
        return new[] { final, final + ".tmp", final + ".old" }.Where(Directory.Exists);
    }

    /// <summary>Whether a checkpoint folder is complete, and its step; otherwise one line saying what is wrong.</summary>
    private static (long Step, string? Problem) Inspect(string dir)
    {
        var manifest = Path.Combine(dir, Manifest);
        if (File.Exists(manifest))
        {
            try
            {
                var files = JsonNode.Parse(File.ReadAllText(manifest))!["files"]!.AsObject();
                // The required files, and the best snapshot when listed (only names a checkpoint writes are opened).
                foreach (var name in files.ContainsKey(Best) ? Files.Append(Best) : Files)
                {
                    var path = Path.Combine(dir, name);
                    var entry = files[name];
                    if (entry is null) return (0, $"{manifest}: does not list {name} (damaged)");
                    if (!File.Exists(path)) return (0, $"{path}: missing");
                    long expected = entry["bytes"]!.GetValue<long>(), actual = new FileInfo(path).Length;
                    if (actual != expected) return (0, $"{path}: {actual} bytes, {expected} expected by {Manifest} (truncated?)");
                    if (!string.Equals(Sha256(path), entry["sha256"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase))
                        return (0, $"{path}: SHA-256 differs from the one in {Manifest} (damaged)");
                }
            }
            catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
            {
                return (0, $"{manifest}: not a checkpoint manifest (damaged)");
            }
        }
        else
        {
            // Written before manifests existed, or a write that never finished: a .tmp folder without a manifest is
            // always partial; checkpoint/ and checkpoint.old/ were complete if all their files are there and readable.
            if (dir.EndsWith(".tmp")) return (0, $"{dir}: interrupted write (no {Manifest})");
            foreach (var name in Files)
                if (!File.Exists(Path.Combine(dir, name))) return (0, $"{Path.Combine(dir, name)}: missing");
        }
        var state = ReadState(dir, out var problem);
        if (state is null) return (0, problem);
        // The best snapshot is listed in the manifest (checked above) whenever the state names a best step.
        if (state.BestStep is not null && !File.Exists(Path.Combine(dir, Best))) return (0, $"{Path.Combine(dir, Best)}: missing (the state names best step {state.BestStep})");
        return (state.Step, null);
    }

    private static TrainerState? ReadState(string dir, out string? problem)
    {
        var path = Path.Combine(dir, State);
        problem = null;
        try
        {
            var state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path));
            if (state is null || state.Step < 0) problem = $"{path}: not a trainer state";
            return problem is null ? state : null;
        }
        catch (JsonException)
        {
            problem = $"{path}: not valid JSON (truncated?)";
            return null;
        }
        catch (FileNotFoundException)
        {
            problem = $"{path}: missing";
            return null;
        }
    }

    private static void WriteManifest(string dir, long step)
    {
        var files = new JsonObject();
        foreach (var name in Files.Append(Best).Where(n => File.Exists(Path.Combine(dir, n))))
        {
            var path = Path.Combine(dir, name);
            files[name] = new JsonObject { ["bytes"] = new FileInfo(path).Length, ["sha256"] = Sha256(path) };
        }
        var manifest = new JsonObject { ["format"] = 1, ["step"] = step, ["files"] = files };
        AtomicFile.WriteAllText(Path.Combine(dir, Manifest), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static string Sha256(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }

    /// <summary>Deletes a checkpoint folder, its manifest first: a kill mid-delete leaves a folder known to be incomplete.</summary>
    private static void Delete(string dir)
    {
        if (!Directory.Exists(dir)) return;
        var manifest = Path.Combine(dir, Manifest);
        if (File.Exists(manifest)) File.Delete(manifest);
        Directory.Delete(dir, true);
    }
}
