using SharpTune.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A dense projection whose parameter names match Hugging Face (<c>weight</c>, <c>bias</c>).
/// <see cref="Conv1D"/> marks GPT-2's layout, where the weight is stored [in, out] and y = x·W + b;
/// otherwise it is [out, in] and y = x·Wᵀ + b. Adapters (LoRA…) are kept by name beside the base weight
/// (<see cref="Adapters"/>, PEFT's per-adapter dicts), so the weight keeps its name, stays frozen and is never
/// written by inference. One of them may be active: it applies to every row (training, a single adapted model).
/// A forward under <see cref="Routing"/> applies instead each named adapter to its own rows only.
/// </summary>
public sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;
    public bool Conv1D { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    private readonly Dictionary<string, ILinearAdapter> _adapters = new(StringComparer.Ordinal);
    private ILinearAdapter? _active;
    private string? _activeName;

    /// <summary>The adapters held by name.</summary>
    public IReadOnlyDictionary<string, ILinearAdapter> Adapters => _adapters;

    /// <summary>The active adapter, applied to every row when no <see cref="Routing"/> is set; null when none.</summary>
    public ILinearAdapter? Adapter => _active;

    public string? ActiveAdapter => _activeName;

    /// <summary>
    /// Per-row adapters for the forwards that run while it is set (a mixed batch). The model-level registry sets it
    /// on every layer around one forward and clears it after; it is not thread-safe, like the forward itself.
    /// </summary>
    public AdapterRouting? Routing { get; set; }

    /// <param name="weightRows">Storage for the weight ([out, in], not Conv1D): rows of a <see cref="FusedProjection"/>'s
    /// shared matrix, so the parameter and the fused matrix are one memory; null allocates its own.</param>
    /// <param name="biasRows">Likewise for the bias.</param>
    public LinearLayer(string name, int inFeatures, int outFeatures, bool hasBias, bool conv1D, Device device, ScalarType dtype,
        Tensor? weightRows = null, Tensor? biasRows = null) : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Conv1D = conv1D;
        var shape = conv1D ? new long[] { inFeatures, outFeatures } : new long[] { outFeatures, inFeatures };
        weight = new Parameter(weightRows ?? torch.empty(shape, dtype, device));
        if (hasBias) bias = new Parameter(biasRows ?? torch.zeros(outFeatures, dtype, device));
        RegisterComponents();
    }

    /// <summary>The weight as [out, in], the orientation adapters and merges reason in.</summary>
    public Tensor WeightOutIn => Conv1D ? weight.t() : weight;

    /// <summary>Adds an adapter under a name; an active one applies to every row of un-routed forwards.</summary>
    public void AddAdapter(string name, ILinearAdapter adapter, bool active)
    {
        if (_adapters.ContainsKey(name)) throw new SharpTuneException($"layer '{this.GetName()}' already holds an adapter named '{name}' (unload it first)");
        if (active && _active is not null)
            throw new SharpTuneException($"layer '{this.GetName()}' already has an active adapter '{_activeName}' (dispose it first, or load several through AdapterRegistry)");
        _adapters.Add(name, adapter);
        if (active) (_active, _activeName) = (adapter, name);
    }

    /// <summary>Removes the named adapter if it is <paramref name="adapter"/> (a stale handle never removes a newer one of the same name).</summary>
    public bool RemoveAdapter(string name, ILinearAdapter adapter)
    {
        if (!_adapters.TryGetValue(name, out var held) || !ReferenceEquals(held, adapter)) return false;
        _adapters.Remove(name);
        if (ReferenceEquals(_active, adapter)) (_active, _activeName) = (null, null);
        return true;
    }

    public override Tensor forward(Tensor x)
    {
        // Decoding one token: the hand-written matrix-vector product (CpuGemv says why); anything else: torch.
        var y = Conv1D ? nn.functional.linear(x, WeightOutIn, bias) : CpuGemv.Linear(x, weight, bias);
        if (Routing is { } routing) return Routed(routing, x, y);
        // The adapter writes into y: linear's backward does not need its output, and no activation-sized
        // buffer per adapted layer keeps LoRA's peak memory well under full fine-tuning's.
        return _active is null ? y : _active.AddTo(x, y);
    }

    // PEFT's mixed batch: the base once for all rows, then each adapter's update computed on its rows alone and
    // added back at those rows (index_select → update → index_add_). A group covering the whole batch takes the
    // in-place path.
    private Tensor Routed(AdapterRouting routing, Tensor x, Tensor y)
    {
        foreach (var group in routing.Groups)
        {
            if (!_adapters.TryGetValue(group.Name, out var adapter)) continue;
            y = group.Rows is null ? adapter.AddTo(x, y) : y.index_add_(0, group.Rows, adapter.Update(x.index_select(0, group.Rows)), 1);
        }
        return y;
    }
}
