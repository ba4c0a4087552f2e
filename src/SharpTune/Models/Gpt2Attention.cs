using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>GPT-2 attention: one fused c_attn (q, k, v along the output), Conv1D layout, no RoPE.</summary>
public sealed class Gpt2Attention : nn.Module
{
    public LinearLayer c_attn, c_proj;
    private readonly int _layer, _heads, _headDim;
    private readonly double _extraScale, _attnDropout, _residDropout;

    public Gpt2Attention(ModelConfig c, int layer, Device device, ScalarType dtype) : base("attn")
    {
        _layer = layer; _heads = c.NumHeads; _headDim = c.HeadDim;
        // scale_attn_by_inverse_layer_idx divides scores by (layer+1) on top of 1/sqrt(d); SDPA applies the latter.
        _extraScale = c.ScaleAttnByInverseLayerIdx ? 1.0 / (layer + 1) : 1.0;
        _attnDropout = Gpt2LMHeadModel.Dropout(c, "attn_pdrop");
        _residDropout = Gpt2LMHeadModel.Dropout(c, "resid_pdrop");
        c_attn = new LinearLayer("c_attn", c.HiddenSize, 3 * c.HiddenSize, true, true, device, dtype);
        c_proj = new LinearLayer("c_proj", c.HiddenSize, c.HiddenSize, true, true, device, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, AttentionMask mask, KvCache? cache)
    {
        long b = x.shape[0], t = x.shape[1];
        var qkv = c_attn.forward(x).view(b, t, 3, _heads, _headDim).permute(2, 0, 3, 1, 4);
        var q = qkv[0];
        if (_extraScale != 1.0) q = q * _extraScale;
        var o = AttentionCore.Attend(q, qkv[1], qkv[2], _layer, cache, mask, training ? _attnDropout : 0.0);
        return nn.functional.dropout(c_proj.forward(o), _residDropout, training);
    }
}
