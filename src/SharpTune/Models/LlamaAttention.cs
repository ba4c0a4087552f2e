using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Llama / Mistral / Qwen2 attention: separate q/k/v/o projections, RoPE, grouped KV heads.</summary>
public sealed class LlamaAttention : nn.Module
{
    public LinearLayer q_proj, k_proj, v_proj, o_proj;
    private readonly int _layer, _heads, _kvHeads, _headDim;

    public LlamaAttention(ModelConfig c, int layer, Device device, ScalarType dtype) : base("self_attn")
    {
        _layer = layer; _heads = c.NumHeads; _kvHeads = c.NumKvHeads; _headDim = c.HeadDim;
        q_proj = new LinearLayer("q_proj", c.HiddenSize, c.NumHeads * c.HeadDim, c.AttentionBias, false, device, dtype);
        k_proj = new LinearLayer("k_proj", c.HiddenSize, c.NumKvHeads * c.HeadDim, c.AttentionBias, false, device, dtype);
        v_proj = new LinearLayer("v_proj", c.HiddenSize, c.NumKvHeads * c.HeadDim, c.AttentionBias, false, device, dtype);
        o_proj = new LinearLayer("o_proj", c.NumHeads * c.HeadDim, c.HiddenSize, c.AttentionOutBias, false, device, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, KvCache? cache)
    {
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);
        var k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        return o_proj.forward(AttentionCore.Attend(q, k, v, _layer, cache, mask, 0.0));
    }
}
