using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

public sealed class Gpt2Block : nn.Module
{
    public LayerNormLayer ln_1, ln_2;
    public Gpt2Attention attn;
    public Gpt2Mlp mlp;

    public Gpt2Block(ModelConfig c, int layer, Device device, ScalarType dtype) : base($"{layer}")
    {
        ln_1 = new LayerNormLayer("ln_1", c.HiddenSize, c.NormEps, device, dtype);
        attn = new Gpt2Attention(c, layer, device, dtype);
        ln_2 = new LayerNormLayer("ln_2", c.HiddenSize, c.NormEps, device, dtype);
        mlp = new Gpt2Mlp(c, device, dtype);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, AttentionMask mask, KvCache? cache)
    {
        var h = x + attn.Forward(ln_1.forward(x), mask, cache);
        return h + mlp.forward(ln_2.forward(h));
    }
}
