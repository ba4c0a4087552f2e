using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Llama 2/3, TinyLlama, SmolLM, Mistral and Qwen2 (the same graph; Qwen2 adds q/k/v biases).</summary>
public sealed class LlamaForCausalLM : CausalLM
{
    public LlamaModel model;
    public LinearLayer? lm_head;
    private readonly RotaryEmbedding _rope;

    public LlamaForCausalLM(ModelConfig c, Device device, ScalarType dtype) : base("LlamaForCausalLM", c, device, dtype)
    {
        model = new LlamaModel(c, device, dtype);
        if (!c.TieWordEmbeddings) lm_head = new LinearLayer("lm_head", c.HiddenSize, c.VocabSize, false, false, device, dtype);
        _rope = new RotaryEmbedding(c, device);
        RegisterComponents();
    }

    public override Tensor EmbedTokens(Tensor inputIds) => model.embed_tokens.forward(inputIds);

    public override Tensor OutputWeight => lm_head?.weight ?? model.embed_tokens.weight!;

    protected override Tensor Body(Tensor h, Tensor positionIds, AttentionMask mask, KvCache? cache)
    {
        var (cos, sin) = _rope.Compute(positionIds, h.dtype);
        foreach (var layer in model.layers) h = layer.Forward(h, cos, sin, mask, cache);
        return model.norm.forward(h);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rope.Dispose();
        base.Dispose(disposing);
    }
}
