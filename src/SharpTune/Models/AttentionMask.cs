using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// What attention needs to know about visibility: either plain causal (the fused kernel's is_causal fast
/// path) or an explicit additive float mask [B, 1, T, past+T] (padding, cache offsets, sliding window, packed
/// examples). Masked entries hold the dtype's minimum rather than −∞, as in HF, so a fully padded query row
/// yields a uniform distribution instead of NaN.
/// </summary>
public sealed record AttentionMask(Tensor? Additive, bool IsCausal)
{
    /// <summary>Sequence id of tokens every packed example sees (prompt tuning's virtual tokens).</summary>
    public const long Shared = -1;

    /// <param name="keyPadding">[B, past+T], 1 for real tokens, 0 for padding; null means all real.</param>
    /// <param name="sequenceIds">
    /// [B, T] for packed rows: which example each new token belongs to. A query then sees only earlier keys of
    /// its own example (block-diagonal causal), plus keys marked <see cref="Shared"/> and every cached key (a
    /// prefix is shared by all). Null means one sequence per row (the is_causal fast path stays available).
    /// </param>
    public static AttentionMask Build(long batch, long queryLen, long pastLen, Tensor? keyPadding, int? slidingWindow, ScalarType dtype, Device device,
        Tensor? sequenceIds = null)
    {
        long keyLen = pastLen + queryLen;
        bool windowBites = slidingWindow is int w && keyLen > w;
        if (keyPadding is null && !windowBites && sequenceIds is null)
        {
            if (pastLen == 0) return new AttentionMask(null, IsCausal: true);
            if (queryLen == 1) return new AttentionMask(null, IsCausal: false);
        }
        var q = arange(pastLen, keyLen, device: device).unsqueeze(1);   // absolute query positions [T,1]
        var k = arange(0, keyLen, device: device).unsqueeze(0);         // [1,K]
        var allowed = k <= q;
        if (windowBites) allowed = allowed.logical_and(k > q - slidingWindow!.Value);
        var allowed4 = allowed.unsqueeze(0).unsqueeze(0).expand(batch, 1, queryLen, keyLen);
        if (sequenceIds is not null) allowed4 = allowed4.logical_and(SameSequence(sequenceIds.to(device), pastLen));
        if (keyPadding is not null)
            allowed4 = allowed4.logical_and(keyPadding.to(device).to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1));
        double min = dtype switch { ScalarType.Float16 => -65504.0, ScalarType.BFloat16 => -3.3895313892515355e38, ScalarType.Float64 => double.MinValue, _ => float.MinValue };
        var additive = zeros([batch, 1, queryLen, keyLen], dtype, device).masked_fill(allowed4.logical_not(), min);
        return new AttentionMask(additive, IsCausal: false);
    }

    // [B, 1, T, past+T]: the key belongs to the query's example, is shared, or is cached (a prefix).
    private static Tensor SameSequence(Tensor sequenceIds, long pastLen)
    {
        var ids = sequenceIds.to_type(ScalarType.Int64);
        var keys = pastLen == 0 ? ids : cat([full(ids.shape[0], pastLen, Shared, ScalarType.Int64, ids.device), ids], 1);
        var same = keys.unsqueeze(1).eq(ids.unsqueeze(2));               // [B, T, K]
        return same.logical_or(keys.eq(Shared).unsqueeze(1)).unsqueeze(1);
    }

    /// <summary>
    /// Each token's position inside its packed example, [B, T]: 0 at the example's first token, so positions
    /// restart per example as if each had been run alone. A run of <see cref="Shared"/> tokens counts as one example.
    /// </summary>
    public static Tensor PositionsWithin(Tensor sequenceIds)
    {
        var ids = sequenceIds.to_type(ScalarType.Int64);
        long b = ids.shape[0], t = ids.shape[1];
        var index = arange(t, dtype: ScalarType.Int64, device: ids.device).unsqueeze(0).expand(b, t);
        var starts = ones(b, 1, ScalarType.Bool, ids.device);
        if (t > 1) starts = cat([starts, ids.narrow(1, 1, t - 1).ne(ids.narrow(1, 0, t - 1))], 1);
        // The index where the current example began: the running maximum of the start indices seen so far.
        var start = where(starts, index, zeros_like(index)).cummax(1).values;
        return index - start;
    }
}
