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

    /// <summary>Rows in the cache (0 before the first forward).</summary>
    public long Batch => _keys[0]?.shape[0] ?? 0;

    /// <summary>
    /// Keeps only the given rows, in that order (continuous batching drops finished requests so they stop costing
    /// compute). Positions are unchanged; the buffers are rebuilt at the new batch size.
    /// </summary>
    public void KeepRows(IReadOnlyList<long> rows)
    {
        RequireBuffers("keep rows");
        if (rows.Count == 0) throw new ArgumentException("keep at least one row; dispose the cache instead");
        using var _ = no_grad();
        using var index = tensor(rows.ToArray(), device: _keys[0]!.device);
        for (int l = 0; l < _keys.Length; l++)
        {
            _keys[l] = Replace(_keys[l]!, _keys[l]!.index_select(0, index));
            _values[l] = Replace(_values[l]!, _values[l]!.index_select(0, index));
        }
    }

    /// <summary>
    /// Drops the first <paramref name="count"/> positions of every row: columns that are padding in every row once
    /// the rows that needed them have left. The caller's attention mask must drop the same columns.
    /// </summary>
    public void DropFront(long count)
    {
        RequireBuffers("drop positions");
        if (count < 0 || count > Length) throw new ArgumentOutOfRangeException(nameof(count), $"drop {count} of {Length} positions");
        if (count == 0) return;
        using var _ = no_grad();
        long keep = Length - count;
        for (int l = 0; l < _keys.Length; l++)
        {
            _keys[l] = Replace(_keys[l]!, Relaid(_keys[l]!.narrow(2, count, keep), 0, _keys[l]!.shape[2]));
            _values[l] = Replace(_values[l]!, Relaid(_values[l]!.narrow(2, count, keep), 0, _values[l]!.shape[2]));
            _lengths[l] = keep;
        }
    }

    /// <summary>
    /// Appends the rows of <paramref name="other"/> after this cache's rows. The shorter side is left-padded with
    /// zeros so both end at the same position; returns how many pad positions went in front of this cache's rows and
    /// of <paramref name="other"/>'s, which the caller's attention mask must cover with zeros.
    /// </summary>
    public (long PadThis, long PadOther) AppendRows(KvCache other)
    {
        RequireBuffers("append rows");
        other.RequireBuffers("append rows");
        if (other._keys.Length != _keys.Length) throw new ArgumentException($"caches have {_keys.Length} and {other._keys.Length} layers");
        using var _ = no_grad();
        long len = Math.Max(Length, other.Length), padThis = len - Length, padOther = len - other.Length;
        long capacity = Math.Max(64, Math.Max(len * 2, _keys[0]!.shape[2]));
        for (int l = 0; l < _keys.Length; l++)
        {
            _keys[l] = Replace(_keys[l]!, Joined(_keys[l]!, _lengths[l], padThis, other._keys[l]!, other._lengths[l], padOther, capacity));
            _values[l] = Replace(_values[l]!, Joined(_values[l]!, _lengths[l], padThis, other._values[l]!, other._lengths[l], padOther, capacity));
            _lengths[l] = len;
        }
        return (padThis, padOther);
    }

    private static Tensor Joined(Tensor a, long lenA, long padA, Tensor b, long lenB, long padB, long capacity)
    {
        long rowsA = a.shape[0];
        var fresh = zeros([rowsA + b.shape[0], a.shape[1], capacity, a.shape[3]], a.dtype, a.device).DetachFromDisposeScope();
        if (lenA > 0) fresh.narrow(0, 0, rowsA).narrow(2, padA, lenA).copy_(a.narrow(2, 0, lenA));
        if (lenB > 0) fresh.narrow(0, rowsA, b.shape[0]).narrow(2, padB, lenB).copy_(b.narrow(2, 0, lenB));
        return fresh;
    }

    // Copies [B, kvH, len, D] into the front of a fresh buffer of the given capacity.
    private static Tensor Relaid(Tensor valid, long offset, long capacity)
    {
        var fresh = zeros([valid.shape[0], valid.shape[1], capacity, valid.shape[3]], valid.dtype, valid.device).DetachFromDisposeScope();
        fresh.narrow(2, offset, valid.shape[2]).copy_(valid);
        return fresh;
    }

    private static Tensor Replace(Tensor old, Tensor fresh)
    {
        fresh = fresh.DetachFromDisposeScope();
        if (!ReferenceEquals(old, fresh)) old.Dispose();
        return fresh;
    }

    private void RequireBuffers(string what)
    {
        if (Differentiable) throw new InvalidOperationException($"a differentiable cache cannot {what}");
        if (_keys.Any(k => k is null)) throw new InvalidOperationException($"cannot {what} before every layer has cached something");
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
