using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// Several adapters over one copy of a base model, by name (LoRAX/vLLM multi-LoRA; PEFT's per-adapter dicts are the
/// model). A LoRA lives in its layers' <see cref="LinearLayer.Adapters"/>, inactive: it applies only to the rows a
/// forward gives it, so one batch mixes rows of different adapters — the base computed once for the batch, each
/// LoRA's low-rank update computed on its own rows and added there. Inference never writes the base weights.
/// <para>
/// Prompt-tuning and prefix-tuning adapters act at prefill: virtual tokens enter the KV cache with the prompt,
/// or the cache starts seeded with the prefix keys/values. Prefill such a row through <see cref="View"/> (batch 1
/// is fine); from then on its effect lives in its cache rows, so in a mixed decode batch the row runs the base
/// layers like a row with no adapter. Its attention mask must then cover those virtual positions as real (1):
/// the cache holds <c>N + prompt</c> positions after its prefill, and positions follow the mask as in HF.
/// </para>
/// Full and unfreeze results are whole models, not adapters: <see cref="Load"/> refuses them. One forward runs at
/// a time (they share the layers' routing); calls from several threads queue on a lock.
/// </summary>
public sealed class AdapterRegistry : IDisposable
{
    private readonly Dictionary<string, AdaptedModel> _adapters = new(StringComparer.Ordinal);
    private readonly List<string> _order = new();
    private readonly object _gate = new();

    public CausalLM Base { get; }

    public AdapterRegistry(CausalLM baseModel) { Base = baseModel; }

    /// <summary>The loaded adapters' names, in load order.</summary>
    public IReadOnlyList<string> Names
    {
        get { lock (_gate) return _order.ToArray(); }
    }

    public bool Contains(string name)
    {
        lock (_gate) return _adapters.ContainsKey(name);
    }

    /// <summary>The adapter's method: lora, dora, prompt-tuning, p-tuning or prefix-tuning.</summary>
    public string Method(string name)
    {
        lock (_gate) return Get(name).Method;
    }

    /// <summary>True for prompt/prefix adapters, whose rows must be prefilled through <see cref="View"/>.</summary>
    public bool ActsAtPrefill(string name)
    {
        lock (_gate) return Get(name) is not LoraModel;
    }

    /// <summary>Loads a PEFT adapter folder under <paramref name="name"/>. The base's weights are not touched.</summary>
    public void Load(string name, string peftDir)
    {
        if (string.IsNullOrWhiteSpace(name) || name != name.Trim()) throw new SharpTuneException($"adapter name '{name}': expected a non-empty name without surrounding spaces");
        if (name.Contains(':')) throw new SharpTuneException($"adapter name '{name}': ':' is not allowed (it separates base and adapter in 'base:adapter')");
        if (!Directory.Exists(peftDir)) throw new SharpTuneException($"{peftDir}: adapter folder not found");
        if (!AdapterIO.IsAdapterFolder(peftDir))
            throw new SharpTuneException(File.Exists(Path.Combine(peftDir, "config.json"))
                ? $"{peftDir}: a whole model (a full or unfreeze result), not an adapter; serve it as its own base model"
                : $"{peftDir}: no {PeftConfig.FileName} (expected a PEFT adapter folder)");
        lock (_gate)
        {
            if (_adapters.ContainsKey(name)) throw new SharpTuneException($"adapter '{name}' is already loaded (unload it first)");
            // The adapter outlives whatever dispose scope the caller is in; its temporaries do not.
            using var scope = NewDisposeScope();
            var m = AdapterIO.Load(peftDir, Base, adapterName: name, active: false);
            foreach (var (_, p) in m.Trainable) p.DetachFromDisposeScope();
            m.SetTraining(false);
            _adapters.Add(name, m);
            _order.Add(name);
        }
    }

    /// <summary>Removes the adapter and frees its tensors; the other adapters and the base are left exactly as they were.</summary>
    public void Unload(string name)
    {
        lock (_gate)
        {
            var m = Get(name);
            _adapters.Remove(name);
            _order.Remove(name);
            Free(m);
        }
    }

    /// <summary>
    /// The base with this one adapter, as a language model for <see cref="TextGenerator"/> and for a row's prefill
    /// (prompt tuning's virtual tokens, prefix tuning's seeded cache). It computes what <see cref="AdapterIO.Load"/>'s
    /// model computes, through the same layers, whatever else is loaded.
    /// </summary>
    public ILanguageModel View(string name)
    {
        lock (_gate) return new AdapterView(this, name, Get(name));
    }

    /// <summary>
    /// Logits for a batch whose rows use different adapters: <paramref name="rowAdapters"/>[i] names row i's
    /// adapter, or null for the base. Prompt/prefix rows need a cache their <see cref="View"/> prefilled (they are
    /// refused on a prefill); they then decode on the base layers. With <paramref name="lastOnly"/>, [B, 1, vocab].
    /// </summary>
    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, IReadOnlyList<string?> rowAdapters, bool lastOnly)
    {
        lock (_gate)
        {
            long batch = inputIds.shape[0];
            if (rowAdapters.Count != batch) throw new ArgumentException($"{rowAdapters.Count} row adapters for a batch of {batch} rows");
            var rows = new Dictionary<string, List<long>>(StringComparer.Ordinal);
            for (int i = 0; i < rowAdapters.Count; i++)
            {
                if (rowAdapters[i] is not { } name) continue;
                var m = Get(name);
                if (m is LoraModel)
                {
                    if (!rows.TryGetValue(name, out var list)) rows[name] = list = new();
                    list.Add(i);
                }
                else if (cache is null || cache.Length == 0)
                    throw new SharpTuneException($"adapter '{name}' ({m.Method}) acts at prefill: prefill its row through View(\"{name}\"), then decode it in the mixed batch");
            }
            using var scope = NewDisposeScope();
            var groups = rows.Select(kv => new AdapterRows(kv.Key, kv.Value.Count == batch ? null : tensor(kv.Value.ToArray(), device: Base.Device))).ToList();
            var logits = Base.Routed(new AdapterRouting(groups), () => Base.Logits(inputIds, attentionMask, cache, lastOnly));
            return logits.MoveToOuterDisposeScope();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var m in _adapters.Values) Free(m);
            _adapters.Clear();
            _order.Clear();
        }
    }

    private AdaptedModel Get(string name) =>
        _adapters.TryGetValue(name, out var m) ? m
            : throw new SharpTuneException($"adapter '{name}' is not loaded (loaded: {(_order.Count == 0 ? "none" : string.Join(", ", _order))})");

    private static void Free(AdaptedModel m)
    {
        m.Dispose();
        foreach (var (_, p) in m.Trainable) p.Dispose();
    }

    /// <summary>One adapter over the shared base: a LoRA routed to every row (its in-place path), a prompt/prefix adapter on the bare layers.</summary>
    private sealed class AdapterView(AdapterRegistry registry, string name, AdaptedModel model) : ILanguageModel
    {
        private readonly AdapterRouting _routing = model is LoraModel ? AdapterRouting.All(name) : AdapterRouting.None;

        public ModelConfig Config => model.Config;
        public Device Device => model.Device;

        public KvCache NewCache(long batch) => model.NewCache(batch);

        public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache) => Logits(inputIds, attentionMask, cache, lastOnly: false);

        public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, bool lastOnly)
        {
            lock (registry._gate)
            {
                if (!registry._adapters.TryGetValue(name, out var current) || !ReferenceEquals(current, model))
                    throw new SharpTuneException($"adapter '{name}' was unloaded");
                return registry.Base.Routed(_routing, () => model.Logits(inputIds, attentionMask, cache, lastOnly));
            }
        }
    }
}
