using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Llama / Mistral / Qwen2 attention: separate q/k/v/o projections, RoPE, grouped KV heads.</summary>
public sealed class LlamaAttention : nn.Module
{
    public LinearLayer q_proj, k_proj, v_proj, o_proj;
    private readonly int _layer, _heads, _kvHeads, _headDim;
    private readonly FusedProjection _qkv;

    public LlamaAttention(ModelConfig c, int layer, Device device, ScalarType dtype) : base("self_attn")
    {
        _layer = layer; _heads = c.NumHeads; _kvHeads = c.NumKvHeads; _headDim = c.HeadDim;
        // q, k and v weights are row blocks of one matrix: inference multiplies once (FusedProjection).
        _qkv = new FusedProjection(["q_proj", "k_proj", "v_proj"], c.HiddenSize,
            [c.NumHeads * c.HeadDim, c.NumKvHeads * c.HeadDim, c.NumKvHeads * c.HeadDim], c.AttentionBias, device, dtype);
        (q_proj, k_proj, v_proj) = (_qkv.Parts[0], _qkv.Parts[1], _qkv.Parts[2]);
        o_proj = new LinearLayer("o_proj", c.NumHeads * c.HeadDim, c.HiddenSize, c.AttentionOutBias, false, device, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, KvCache? cache)
    {
        long b = x.shape[0], t = x.shape[1];
        Tensor q, k, v;
        if (_qkv.Usable)
        {
            // One matmul for q|k|v, and one rotary pass over the q and k heads side by side (the same
            // elementwise math as two passes, half the calls).
            var qkv = _qkv.Joined(x);
            long qk = (_heads + _kvHeads) * _headDim;
            var heads = RotaryEmbedding.Apply(qkv.narrow(-1, 0, qk).view(b, t, _heads + _kvHeads, _headDim).transpose(1, 2), cos, sin);
            q = heads.narrow(1, 0, _heads);
            k = heads.narrow(1, _heads, _kvHeads);
            v = qkv.narrow(-1, qk, _kvHeads * _headDim).view(b, t, _kvHeads, _headDim).transpose(1, 2);
            return o_proj.forward(AttentionCore.Attend(q, k, v, _layer, cache, mask, 0.0));
        }
        q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);
        k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        return o_proj.forward(AttentionCore.Attend(q, k, v, _layer, cache, mask, 0.0));
    }

    /// <summary>Whether a forward now would run the one fused matmul (see <see cref="FusedProjection.Usable"/>).</summary>
    public bool Fused => _qkv.Usable;

    /// <summary>q|k|v side by side [B, T, (H + 2·kvH)·D] by the fused matmul (only when <see cref="Fused"/>).</summary>
    public Tensor JoinedProjections(Tensor x) => _qkv.Joined(x);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _qkv.Dispose();
        base.Dispose(disposing);
    }
}
