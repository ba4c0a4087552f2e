using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>GPT-2: learned positions, LayerNorm, Conv1D projections, dropout active in training mode.</summary>
public sealed class Gpt2LMHeadModel : CausalLM
{
    public Gpt2Model transformer;
    public LinearLayer? lm_head;
    private readonly double _embdDropout;

    public Gpt2LMHeadModel(ModelConfig c, Device device, ScalarType dtype) : base("GPT2LMHeadModel", c, device, dtype)
    {
        transformer = new Gpt2Model(c, device, dtype);
        if (!c.TieWordEmbeddings) lm_head = new LinearLayer("lm_head", c.HiddenSize, c.VocabSize, false, false, device, dtype);
        _embdDropout = Dropout(c, "embd_pdrop");
        RegisterComponents();
    }

    internal static double Dropout(ModelConfig c, string field) =>
        c.Raw[field] is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<double>(out var p) ? p : 0.1;

    public override Tensor EmbedTokens(Tensor inputIds) => transformer.wte.forward(inputIds);

    public override Tensor OutputWeight => lm_head?.weight ?? transformer.wte.weight!;

    protected override Tensor Body(Tensor h, Tensor positionIds, AttentionMask mask, KvCache? cache)
    {
        h = nn.functional.dropout(h + transformer.wpe.forward(positionIds), _embdDropout, training);
        foreach (var block in transformer.h) h = block.Forward(h, mask, cache);
        return transformer.ln_f.forward(h);
    }
}
