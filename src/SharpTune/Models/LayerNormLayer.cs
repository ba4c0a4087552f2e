using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>LayerNorm with HF parameter names (<c>weight</c>, <c>bias</c>).</summary>
public sealed class LayerNormLayer : nn.Module<Tensor, Tensor>
{
    public Parameter weight, bias;
    private readonly double _eps;

    public LayerNormLayer(string name, int size, double eps, Device device, ScalarType dtype) : base(name)
    {
        _eps = eps;
        weight = new Parameter(torch.ones(size, dtype, device));
        bias = new Parameter(torch.zeros(size, dtype, device));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => nn.functional.layer_norm(x, [x.shape[^1]], weight, bias, _eps);
}
