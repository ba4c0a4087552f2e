using System.Text.Json;
using SharpTune.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// OutDir/checkpoint/{trainable.safetensors, optimizer.safetensors, trainer_state.json}, replaced as a whole:
/// the new folder is written beside the old one and swapped in by renames, so a kill at any moment leaves
/// either the previous or the new checkpoint complete.
/// </summary>
public static class Checkpoint
{
    public const string Folder = "checkpoint";
    private const string Weights = "trainable.safetensors", Optimizer = "optimizer.safetensors", State = "trainer_state.json";

    public static void Save(string outDir, IEnumerable<(string Name, Parameter P)> trainable, AdamW optimizer, TrainerState state)
    {
        var final = Path.Combine(outDir, Folder);
        var tmp = final + ".tmp";
        var old = final + ".old";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        SafeTensorsFile.Save(Path.Combine(tmp, Weights), trainable.Select(t => KeyValuePair.Create(t.Name, (Tensor)t.P)));
        optimizer.Save(Path.Combine(tmp, Optimizer));
        AtomicFile.WriteAllText(Path.Combine(tmp, State), JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(final)) Directory.Move(final, old);
        Directory.Move(tmp, final);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>The checkpoint folder to resume from, or null. A kill mid-swap leaves only ".old": use it.</summary>
    public static string? Find(string outDir)
    {
        var final = Path.Combine(outDir, Folder);
        if (File.Exists(Path.Combine(final, State))) return final;
        var old = final + ".old";
        return File.Exists(Path.Combine(old, State)) ? old : null;
    }

    public static TrainerState Load(string dir, IEnumerable<(string Name, Parameter P)> trainable, AdamW optimizer)
    {
        var weights = SafeTensorsFile.Open(Path.Combine(dir, Weights));
        using (no_grad())
            foreach (var (name, p) in trainable)
            {
                if (!weights.Contains(name)) throw new SharpTuneException($"{weights.Path}: tensor '{name}' is missing (was the checkpoint made with other settings?)");
                using var t = weights.Load(name);
                if (!t.shape.SequenceEqual(p.shape)) throw new SharpTuneException($"{weights.Path}: tensor '{name}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", p.shape)}]");
                p.copy_(t);
            }
        optimizer.Load(Path.Combine(dir, Optimizer));
        return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(Path.Combine(dir, State)))
            ?? throw new SharpTuneException($"{dir}/{State}: empty");
    }
}
