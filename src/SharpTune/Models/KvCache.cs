using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Per-layer key/value cache, [batch, kvHeads, length, headDim]. Storage is preallocated and grown by
/// doubling, so a decode step writes one slot instead of re-concatenating the whole past (O(T) not O(T²)).
/// The buffers live outside dispose scopes; dispose the cache when generation ends.
/// A cache may be seeded with prefix keys/values (prefix tuning): they count as past positions.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private readonly long[] _lengths;

    /// <summary>
    /// Differentiable caches concatenate instead of copying into buffers, so gradients flow into seeded
    /// keys/values (training prefix tuning). Inference caches use preallocated buffers.
    /// </summary>
    public bool Differentiable { get; }

    public KvCache(int numLayers, bool differentiable = false)
    {
        Differentiable = differentiable;
        _keys = new Tensor?[numLayers];
        _values = new Tensor?[numLayers];
        _lengths = new long[numLayers];
    }

    /// <summary>Number of cached positions (layer 0; all layers agree between forwards).</summary>
    public long Length => _lengths[0];

    /// <summary>Appends k/v [B, kvH, T, D] for a layer and returns views over everything cached so far.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        if (Differentiable)
        {
            var keys = _keys[layer] is null ? k : cat([_keys[layer]!, k], 2);
            var values = _values[layer] is null ? v : cat([_values[layer]!, v], 2);
            _keys[layer] = keys;
            _values[layer] = values;
            _lengths[layer] = keys.shape[2];
            return (keys, values);
        }
        long len = _lengths[layer], add = k.shape[2], need = len + add;
        var buf = _keys[layer];
        if (buf is null || buf.shape[2] < need || buf.shape[0] != k.shape[0])
        {
            long capacity = Math.Max(need, (buf?.shape[2] ?? 0) * 2);
            capacity = Math.Max(capacity, 64);
            _keys[layer] = Grow(_keys[layer], k, capacity, len);
            _values[layer] = Grow(_values[layer], v, capacity, len);
        }
        using (no_grad())
        {
            _keys[layer]!.narrow(2, len, add).copy_(k);
            _values[layer]!.narrow(2, len, add).copy_(v);
        }
        _lengths[layer] = need;
        return (_keys[layer]!.narrow(2, 0, need), _values[layer]!.narrow(2, 0, need));
    }

    private static Tensor Grow(Tensor? old, Tensor like, long capacity, long len)
    {
        var fresh = zeros([like.shape[0], like.shape[1], capacity, like.shape[3]], like.dtype, like.device).DetachFromDisposeScope();
        if (old is not null)
        {
            if (len > 0) fresh.narrow(2, 0, len).copy_(old.narrow(2, 0, len));
            old.Dispose();
        }
        return fresh;
    }

    /// <summary>Seeds a layer with past keys/values [B, kvH, P, D] (prefix tuning). Differentiable caches keep the graph.</summary>
    public void Seed(int layer, Tensor k, Tensor v)
    {
        if (Differentiable) { _keys[layer] = k; _values[layer] = v; _lengths[layer] = k.shape[2]; return; }
        Append(layer, k, v);
    }

    public void Dispose()
    {
        // A differentiable cache only references tensors owned by the caller's dispose scope.
        if (Differentiable) return;
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
    }
}
