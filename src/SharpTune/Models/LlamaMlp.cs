using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>SwiGLU: down(act(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    public LinearLayer gate_proj, up_proj, down_proj;
    private readonly Func<Tensor, Tensor> _act;

    public LlamaMlp(ModelConfig c, Device device, ScalarType dtype) : base("mlp")
    {
        _act = Activations.Get(c.HiddenAct);
        gate_proj = new LinearLayer("gate_proj", c.HiddenSize, c.IntermediateSize, c.MlpBias, false, device, dtype);
        up_proj = new LinearLayer("up_proj", c.HiddenSize, c.IntermediateSize, c.MlpBias, false, device, dtype);
        down_proj = new LinearLayer("down_proj", c.IntermediateSize, c.HiddenSize, c.MlpBias, false, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => down_proj.forward(_act(gate_proj.forward(x)) * up_proj.forward(x));
}
