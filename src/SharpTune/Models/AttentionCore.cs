using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>The part of self-attention every family shares: cache append, GQA expansion, fused SDPA.</summary>
public static class AttentionCore
{
    /// <param name="q">[B, H, T, D]</param>
    /// <param name="k">[B, kvH, T, D]</param>
    /// <param name="v">[B, kvH, T, D]</param>
    /// <returns>[B, T, H·D]</returns>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, int layer, KvCache? cache, AttentionMask mask, double dropout)
    {
        if (cache is not null) (k, v) = cache.Append(layer, k, v);
        long heads = q.shape[1], kvHeads = k.shape[1];
        if (q.shape[2] == 1 && dropout == 0 && heads != kvHeads)
            return DecodeStep(q, k, v, mask);
        if (heads != kvHeads)
        {
            // repeat_kv: KV head j serves query heads j·g … j·g+g−1.
            long g = heads / kvHeads;
            k = k.unsqueeze(2).expand(k.shape[0], kvHeads, g, k.shape[2], k.shape[3]).reshape(k.shape[0], heads, k.shape[2], k.shape[3]);
            v = v.unsqueeze(2).expand(v.shape[0], kvHeads, g, v.shape[2], v.shape[3]).reshape(v.shape[0], heads, v.shape[2], v.shape[3]);
        }
        var o = nn.functional.scaled_dot_product_attention(q, k, v, mask.Additive, dropout, mask.IsCausal);
        return o.transpose(1, 2).reshape(q.shape[0], q.shape[2], heads * q.shape[3]);
    }

    // One new token under grouped-query attention: group the query heads by their KV head instead of copying
    // the whole cache g times (what repeat_kv + SDPA would do at every decoding step).
    private static Tensor DecodeStep(Tensor q, Tensor k, Tensor v, AttentionMask mask)
    {
        long b = q.shape[0], heads = q.shape[1], d = q.shape[3], kvHeads = k.shape[1], g = heads / kvHeads;
        var qg = q.reshape(b, kvHeads, g, d);
        var scores = qg.matmul(k.transpose(2, 3)) * (1.0 / Math.Sqrt(d));   // [B, kvH, g, T]
        if (mask.Additive is not null) scores = scores + mask.Additive;       // [B, 1, 1, T] broadcasts
        var o = scores.softmax(-1).matmul(v);                                 // [B, kvH, g, D]
        return o.reshape(b, 1, heads * d);
    }
}
