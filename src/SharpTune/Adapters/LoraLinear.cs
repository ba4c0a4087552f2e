using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// The LoRA path of one linear layer: output += scaling · B(A(dropout(x))), A [r, in], B [out, r].
/// With DoRA the layer's output is re-normalised per output row by a learned magnitude:
/// (m/‖W+sBA‖ − 1)·Wx + (m/‖W+sBA‖)·s·BAx, the norm detached as in PEFT.
/// </summary>
public sealed class LoraLinear
{
    public Models.LinearLayer Base { get; }
    public Parameter A { get; }
    public Parameter B { get; }
    public Parameter? Magnitude { get; }
    public double Scaling { get; }
    public double Dropout { get; }
    public bool Training { get; set; }

    public LoraLinear(Models.LinearLayer layer, int r, double scaling, double dropout, bool dora, Generator? rng)
    {
        Base = layer;
        Scaling = scaling;
        Dropout = dropout;
        var w = layer.weight;
        // PEFT's default: A ~ kaiming_uniform(a=√5) = U(±1/√in), B = 0 (the adapter starts as a no-op).
        double bound = 1.0 / Math.Sqrt(layer.InFeatures);
        using (var a = empty([r, layer.InFeatures], ScalarType.Float32).uniform_(-bound, bound, rng))
            A = new Parameter(a.to(w.dtype, w.device));
        B = new Parameter(zeros([layer.OutFeatures, r], w.dtype, w.device));
        if (dora)
        {
            using var _ = no_grad();
            Magnitude = new Parameter(WeightNorm());
        }
        layer.Adapter = Delta;
    }

    // ‖W + s·B·A‖ over the input dimension, one value per output row.
    private Tensor WeightNorm() => (Base.WeightOutIn + Scaling * B.matmul(A)).norm(1, keepdim: false);

    private Tensor Delta(Tensor x, Tensor y)
    {
        var xd = Training && Dropout > 0 ? nn.functional.dropout(x, Dropout, true) : x;
        var h = nn.functional.linear(xd, A);
        // Scaling B (out × r) is cheaper than scaling the activations (batch × tokens × out).
        var scaledB = B * Scaling;
        if (Magnitude is null)
        {
            // y += h·(sB)ᵀ in place, without an activation-sized temporary.
            y.view(-1, y.shape[^1]).addmm_(h.reshape(-1, h.shape[^1]), scaledB.t());
            return y;
        }
        var lora = nn.functional.linear(h, scaledB);
        var norm = WeightNorm().detach();
        var scale = Magnitude / norm;
        var baseOut = nn.functional.linear(xd, Base.WeightOutIn);
        return y.add_((scale - 1) * baseOut + scale * lora);
    }

    /// <summary>The merged weight in the base layer's storage orientation: W + s·B·A, or DoRA's m·(W+sBA)/‖W+sBA‖.</summary>
    public Tensor MergedWeight()
    {
        using var _ = no_grad();
        var merged = Base.WeightOutIn + Scaling * B.matmul(A);
        if (Magnitude is not null) merged = merged * (Magnitude / merged.norm(1, keepdim: false)).unsqueeze(1);
        return Base.Conv1D ? merged.t().contiguous() : merged;
    }

    public void Detach() => Base.Adapter = null;
}
