using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A dense projection whose parameter names match Hugging Face (<c>weight</c>, <c>bias</c>).
/// <see cref="Conv1D"/> marks GPT-2's layout, where the weight is stored [in, out] and y = x·W + b;
/// otherwise it is [out, in] and y = x·Wᵀ + b. Adapters (LoRA…) hook in through <see cref="Adapter"/>,
/// so the base weight keeps its name and stays frozen.
/// </summary>
public sealed class LinearLayer : nn.Module<Tensor, Tensor>
{
    public Parameter weight;
    public Parameter? bias;
    public bool Conv1D { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    /// <summary>Optional additive path (e.g. LoRA): given (input, base output), adds its contribution to the output in place.</summary>
    public Func<Tensor, Tensor, Tensor>? Adapter { get; set; }

    public LinearLayer(string name, int inFeatures, int outFeatures, bool hasBias, bool conv1D, Device device, ScalarType dtype) : base(name)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Conv1D = conv1D;
        var shape = conv1D ? new long[] { inFeatures, outFeatures } : new long[] { outFeatures, inFeatures };
        weight = new Parameter(torch.empty(shape, dtype, device));
        if (hasBias) bias = new Parameter(torch.zeros(outFeatures, dtype, device));
        RegisterComponents();
    }

    /// <summary>The weight as [out, in], the orientation adapters and merges reason in.</summary>
    public Tensor WeightOutIn => Conv1D ? weight.t() : weight;

    public override Tensor forward(Tensor x)
    {
        var y = nn.functional.linear(x, WeightOutIn, bias);
        // The adapter writes into y: linear's backward does not need its output, and no activation-sized
        // buffer per adapted layer keeps LoRA's peak memory well under full fine-tuning's.
        return Adapter is null ? y : Adapter(x, y);
    }
}
