using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Pre-norm decoder block: x + attn(norm(x)), then + mlp(norm(·)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    public RmsNorm input_layernorm, post_attention_layernorm;
    public LlamaAttention self_attn;
    public LlamaMlp mlp;

    public LlamaDecoderLayer(ModelConfig c, int layer, Device device, ScalarType dtype) : base($"{layer}")
    {
        input_layernorm = new RmsNorm("input_layernorm", c.HiddenSize, c.NormEps, device, dtype);
        self_attn = new LlamaAttention(c, layer, device, dtype);
        post_attention_layernorm = new RmsNorm("post_attention_layernorm", c.HiddenSize, c.NormEps, device, dtype);
        mlp = new LlamaMlp(c, device, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, AttentionMask mask, KvCache? cache)
    {
        var h = x + self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache);
        return h + mlp.forward(post_attention_layernorm.forward(h));
    }
}
