using SharpTune.IO;
using SharpTune.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>LoRA (and rsLoRA, DoRA) on the targeted linear layers; PEFT's names and file layout.</summary>
public sealed class LoraModel : AdaptedModel
{
    public PeftConfig Settings { get; }
    private readonly List<(string Module, LoraLinear Lora)> _layers;
    private readonly List<(string, Parameter)> _trainable;

    public override string Method => Settings.UseDora ? "dora" : "lora";
    public override IReadOnlyList<(string Name, Parameter P)> Trainable => _trainable;
    public IReadOnlyList<(string Module, LoraLinear Lora)> Layers => _layers;

    /// <summary>The name its layers hold it under (<see cref="LinearLayer.Adapters"/>).</summary>
    public string AdapterName { get; }

    /// <param name="adapterName">The name in each targeted layer; two LoRAs on one base need different names.</param>
    /// <param name="active">Applied to every row (training, a single adapted model). <see cref="AdapterRegistry"/>
    /// loads inactive adapters, which apply only to the rows a routed forward gives them.</param>
    public LoraModel(CausalLM baseModel, PeftConfig settings, long seed = 0, string adapterName = "default", bool active = true) : base(baseModel)
    {
        AdapterName = adapterName;
        if (settings.R <= 0) throw new SharpTuneException($"LoRA rank must be > 0, got {settings.R}");
        if (settings.LoraDropout is < 0 or >= 1) throw new SharpTuneException($"LoRA dropout must be in [0, 1), got {settings.LoraDropout}");
        FreezeBase();
        var rng = new Generator((ulong)seed, CPU);
        var resolved = TargetModules.Resolve(baseModel, settings.TargetModules, settings.TargetModulesRegex);
        // Write what PEFT writes: it expands "all-linear" into the targeted layers' leaf names before saving. (It
        // expands only the plain string; a saved list ["all-linear"] names a module that does not exist there.)
        Settings = settings.TargetModulesRegex == "all-linear" || settings.TargetModules is ["all-linear"]
            ? settings with { TargetModules = resolved.Select(t => t.Name.Split('.')[^1]).Distinct().Order(StringComparer.Ordinal).ToArray(), TargetModulesRegex = null }
            : settings;
        _layers = new();
        try
        {
            foreach (var t in resolved)
                _layers.Add((t.Name, new LoraLinear(t.Layer, settings.R, settings.Scaling, settings.LoraDropout, settings.UseDora, rng, adapterName, active)));
        }
        catch
        {
            // A layer that already holds this name or an active adapter: leave the base as it was found.
            foreach (var (_, l) in _layers) l.Detach();
            throw;
        }
        _trainable = new();
        // PEFT's in-memory names (adapter "default"), which its gradients and optimizer states use.
        foreach (var (module, lora) in _layers)
        {
            _trainable.Add(($"base_model.model.{module}.lora_A.default.weight", lora.A));
            _trainable.Add(($"base_model.model.{module}.lora_B.default.weight", lora.B));
            if (lora.Magnitude is not null) _trainable.Add(($"base_model.model.{module}.lora_magnitude_vector.default.weight", lora.Magnitude));
        }
    }

    public override void SetTraining(bool on)
    {
        base.SetTraining(on);
        foreach (var (_, l) in _layers) l.Training = on;
    }

    /// <summary>PEFT's file keys: the in-memory names without the adapter name.</summary>
    public static string FileKey(string name) => name.Replace(".default", "");

    // PEFT 0.12 writes DoRA's magnitude as "….lora_magnitude_vector" (its pre-refactor name, without ".weight").
    private static string SavedKey(string name)
    {
        var key = FileKey(name);
        return key.EndsWith(".lora_magnitude_vector.weight") ? key[..^".weight".Length] : key;
    }

    public override void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        SafeTensorsFile.Save(Path.Combine(dir, AdapterIO.WeightsFile), _trainable.Select(t => KeyValuePair.Create(SavedKey(t.Item1), (Tensor)t.Item2)),
            new Dictionary<string, string> { ["format"] = "pt" });
        Settings.Save(dir);
    }

    /// <summary>Loads adapter tensors saved by PEFT or by <see cref="Save"/>.</summary>
    public void LoadWeights(SafeTensorsFile file)
    {
        using var _ = no_grad();
        foreach (var (name, p) in _trainable)
        {
            var key = FileKey(name);
            // PEFT ≤ 0.12 stored DoRA's magnitude without the ".weight" suffix.
            if (!file.Contains(key) && key.EndsWith("lora_magnitude_vector.weight") && file.Contains(key[..^".weight".Length])) key = key[..^".weight".Length];
            if (!file.Contains(key)) throw new SharpTuneException($"{file.Path}: tensor '{key}' is missing (adapter_config.json targets more modules than the weights hold)");
            using var t = file.LoadFloat(key);
            if (!t.shape.SequenceEqual(p.shape)) throw new SharpTuneException($"{file.Path}: tensor '{key}' has shape [{string.Join(",", t.shape)}], expected [{string.Join(",", p.shape)}]");
            p.copy_(t);
        }
    }

    /// <summary>Folds the adapters into the base weights and detaches them (PEFT's merge_and_unload). Other adapters
    /// held by the same layers would then apply on top of the changed weights: merge only a base that holds this one.</summary>
    public CausalLM MergeAndUnload()
    {
        using var _ = no_grad();
        foreach (var (_, l) in _layers)
        {
            l.Base.weight.copy_(l.MergedWeight());
            l.Detach();
        }
        foreach (var (_, p) in Base.named_parameters()) p.requires_grad = true;
        return Base;
    }

    /// <summary>Takes this adapter out of its layers; other adapters on the same base stay attached.</summary>
    public override void Dispose()
    {
        foreach (var (_, l) in _layers) l.Detach();
    }
}
