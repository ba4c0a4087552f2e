using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>RMSNorm computed in float32 whatever the model dtype, as Llama/Qwen2 do.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    private readonly double _eps;

    public RmsNorm(string name, int size, double eps, Device device, ScalarType dtype) : base(name)
    {
        _eps = eps;
        weight = new Parameter(torch.ones(size, dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (x.dtype == ScalarType.Float32) return weight * (x * (x.square().mean([-1], keepdim: true) + _eps).rsqrt());
        var x32 = x.to_type(ScalarType.Float32);
        var normed = x32 * (x32.square().mean([-1], keepdim: true) + _eps).rsqrt();
        return weight * normed.to_type(x.dtype);
    }
}
