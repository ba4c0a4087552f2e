using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>The <c>model.*</c> part of a Llama-family checkpoint: embeddings, decoder layers, final norm.</summary>
public sealed class LlamaModel : nn.Module
{
    public Embedding embed_tokens;
    public ModuleList<LlamaDecoderLayer> layers;
    public RmsNorm norm;

    public LlamaModel(ModelConfig c, Device device, ScalarType dtype) : base("model")
    {
        embed_tokens = nn.Embedding(c.VocabSize, c.HiddenSize, device: device, dtype: dtype);
        layers = nn.ModuleList(Enumerable.Range(0, c.NumLayers).Select(i => new LlamaDecoderLayer(c, i, device, dtype)).ToArray());
        norm = new RmsNorm("norm", c.HiddenSize, c.NormEps, device, dtype);
        RegisterComponents();
    }
}
