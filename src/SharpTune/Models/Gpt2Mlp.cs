using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    public LinearLayer c_fc, c_proj;
    private readonly Func<Tensor, Tensor> _act;
    private readonly double _dropout;

    public Gpt2Mlp(ModelConfig c, Device device, ScalarType dtype) : base("mlp")
    {
        _act = Activations.Get(c.HiddenAct);
        _dropout = Gpt2LMHeadModel.Dropout(c, "resid_pdrop");
        c_fc = new LinearLayer("c_fc", c.HiddenSize, c.IntermediateSize, true, true, device, dtype);
        c_proj = new LinearLayer("c_proj", c.IntermediateSize, c.HiddenSize, true, true, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.dropout(c_proj.forward(_act(c_fc.forward(x))), _dropout, training);
}
