using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>The <c>transformer.*</c> part of a GPT-2 checkpoint.</summary>
public sealed class Gpt2Model : nn.Module
{
    public Embedding wte, wpe;
    public ModuleList<Gpt2Block> h;
    public LayerNormLayer ln_f;

    public Gpt2Model(ModelConfig c, Device device, ScalarType dtype) : base("transformer")
    {
        wte = nn.Embedding(c.VocabSize, c.HiddenSize, device: device, dtype: dtype);
        wpe = nn.Embedding(c.MaxPositions, c.HiddenSize, device: device, dtype: dtype);
        h = nn.ModuleList(Enumerable.Range(0, c.NumLayers).Select(i => new Gpt2Block(c, i, device, dtype)).ToArray());
        ln_f = new LayerNormLayer("ln_f", c.HiddenSize, c.NormEps, device, dtype);
        RegisterComponents();
    }
}
