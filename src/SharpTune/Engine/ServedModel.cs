using SharpTune.Adapters;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>
/// What an engine serves, loaded once: the base model folder (one copy of its weights), its tokenizer, every adapter
/// in one <see cref="AdapterRegistry"/> by name, and the EOS ids a request ends on unless it sets its own (the
/// config's, generation_config.json's and the tokenizer's, as the model alone uses them).
/// </summary>
public sealed class ServedModel : IDisposable
{
    public string BaseName { get; }
    public Tokenizer Tokenizer { get; }
    public CausalLM Base { get; }
    public AdapterRegistry Registry { get; }
    public int[] EosTokenIds { get; }
    public int PadTokenId => Base.Config.PadTokenId ?? 0;

    /// <param name="adapters">Adapter name → PEFT adapter folder trained on this base.</param>
    public ServedModel(string baseDir, IReadOnlyDictionary<string, string>? adapters = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        BaseName = ModelName(baseDir);
        adapters ??= new Dictionary<string, string>();
        foreach (var name in adapters.Keys) CheckAdapterName(name, BaseName);
        if (!File.Exists(Path.Combine(baseDir, Tokenizer.FileName)))
            throw new SharpTuneException($"{baseDir}: no tokenizer.json (serving needs the model's tokenizer)");
        Tokenizer = Tokenizer.Load(baseDir);
        Base = ModelIO.Load(baseDir, device, dtype);
        Registry = new AdapterRegistry(Base);
        try
        {
            foreach (var (name, dir) in adapters)
            {
                if (!AdapterIO.IsAdapterFolder(dir)) throw new SharpTuneException($"--adapter {name}={dir}: not a PEFT adapter folder (no adapter_config.json)");
                Registry.Load(name, dir);
            }
        }
        catch { Dispose(); throw; }
        var eos = Base.Config.EosTokenIds.Concat(GenerationConfig.EosIds(baseDir)).ToHashSet();
        if (Tokenizer.EosTokenId is int te) eos.Add(te);
        EosTokenIds = eos.Order().ToArray();
    }

    /// <summary>The model for one request alone: the base, or the base with that one adapter (the registry's view).</summary>
    public ILanguageModel For(string? adapter) => adapter is null ? Base : Registry.View(adapter);

    /// <summary>A model folder's name as clients call it (the last path component).</summary>
    public static string ModelName(string dir) => Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));

    public static void CheckAdapterName(string name, string baseName)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains(':') || name.Any(char.IsWhiteSpace))
            throw new SharpTuneException($"adapter name '{name}' must be non-empty, without spaces or ':' (clients call it as NAME or BASE:NAME)");
        if (name == baseName) throw new SharpTuneException($"adapter name '{name}' is the base model's name; give the adapter another name");
    }

    public void Dispose()
    {
        Registry?.Dispose();
        Base?.Dispose();
    }
}
