using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// What attention needs to know about visibility: either plain causal (the fused kernel's is_causal fast
/// path) or an explicit additive float mask [B, 1, T, past+T] (padding, cache offsets, sliding window).
/// Masked entries hold the dtype's minimum rather than −∞, as in HF, so a fully padded query row yields a
/// uniform distribution instead of NaN.
/// </summary>
public sealed record AttentionMask(Tensor? Additive, bool IsCausal)
{
    /// <param name="keyPadding">[B, past+T], 1 for real tokens, 0 for padding; null means all real.</param>
    public static AttentionMask Build(long batch, long queryLen, long pastLen, Tensor? keyPadding, int? slidingWindow, ScalarType dtype, Device device)
    {
        long keyLen = pastLen + queryLen;
        bool windowBites = slidingWindow is int w && keyLen > w;
        if (keyPadding is null && !windowBites)
        {
            if (pastLen == 0) return new AttentionMask(null, IsCausal: true);
            if (queryLen == 1) return new AttentionMask(null, IsCausal: false);
        }
        var q = arange(pastLen, keyLen, device: device).unsqueeze(1);   // absolute query positions [T,1]
        var k = arange(0, keyLen, device: device).unsqueeze(0);         // [1,K]
        var allowed = k <= q;
        if (windowBites) allowed = allowed.logical_and(k > q - slidingWindow!.Value);
        var allowed4 = allowed.unsqueeze(0).unsqueeze(0).expand(batch, 1, queryLen, keyLen);
        if (keyPadding is not null)
            allowed4 = allowed4.logical_and(keyPadding.to(device).to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1));
        double min = dtype switch { ScalarType.Float16 => -65504.0, ScalarType.BFloat16 => -3.3895313892515355e38, ScalarType.Float64 => double.MinValue, _ => float.MinValue };
        var additive = zeros([batch, 1, queryLen, keyLen], dtype, device).masked_fill(allowed4.logical_not(), min);
        return new AttentionMask(additive, IsCausal: false);
    }
}
