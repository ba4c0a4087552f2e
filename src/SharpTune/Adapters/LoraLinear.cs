using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// The LoRA path of one linear layer: output += scaling · B(A(dropout(x))), A [r, in], B [out, r].
/// With DoRA the layer's output is re-normalised per output row by a learned magnitude:
/// (m/‖W+sBA‖ − 1)·Wx + (m/‖W+sBA‖)·s·BAx, the norm detached as in PEFT.
/// It lives in its layer's <see cref="Models.LinearLayer.Adapters"/> under <see cref="Name"/>.
/// </summary>
public sealed class LoraLinear : Models.ILinearAdapter
{
    public Models.LinearLayer Base { get; }
    public Parameter A { get; }
    public Parameter B { get; }
    public Parameter? Magnitude { get; }
    public double Scaling { get; }
    public double Dropout { get; }
    public bool Training { get; set; }
    public string Name { get; }

    /// <param name="name">The adapter's name in the layer (PEFT's adapter name).</param>
    /// <param name="active">Applied to every row of the layer's un-routed forwards (training, one adapted model); an
    /// inactive adapter applies only to the rows a routed forward gives it.</param>
    public LoraLinear(Models.LinearLayer layer, int r, double scaling, double dropout, bool dora, Generator? rng, string name = "default", bool active = true)
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
        Name = name;
        layer.AddAdapter(name, this, active);
    }

    // ‖W + s·B·A‖ over the input dimension, one value per output row.
    private Tensor WeightNorm() => (Base.WeightOutIn + Scaling * B.matmul(A)).norm(1, keepdim: false);

    public Tensor AddTo(Tensor x, Tensor y)
    {
        if (Magnitude is not null) return y.add_(Update(x));
        var xd = Training && Dropout > 0 ? nn.functional.dropout(x, Dropout, true) : x;
        var h = nn.functional.linear(xd, A);
        // Scaling B (out × r) is cheaper than scaling the activations (batch × tokens × out).
        // y += h·(sB)ᵀ in place, without an activation-sized temporary.
        y.view(-1, y.shape[^1]).addmm_(h.reshape(-1, h.shape[^1]), (B * Scaling).t());
        return y;
    }

    public Tensor Update(Tensor x)
    {
        var xd = Training && Dropout > 0 ? nn.functional.dropout(x, Dropout, true) : x;
        var lora = nn.functional.linear(nn.functional.linear(xd, A), B * Scaling);
        if (Magnitude is null) return lora;
        var norm = WeightNorm().detach();
        var scale = Magnitude / norm;
        var baseOut = nn.functional.linear(xd, Base.WeightOutIn);
        return (scale - 1) * baseOut + scale * lora;
    }

    /// <summary>The merged weight in the base layer's storage orientation: W + s·B·A, or DoRA's m·(W+sBA)/‖W+sBA‖.</summary>
    public Tensor MergedWeight()
    {
        using var _ = no_grad();
        var merged = Base.WeightOutIn + Scaling * B.matmul(A);
        if (Magnitude is not null) merged = merged * (Magnitude / merged.norm(1, keepdim: false)).unsqueeze(1);
        return Base.Conv1D ? merged.t().contiguous() : merged;
    }

    /// <summary>Takes this adapter out of its layer (other adapters of the layer stay).</summary>
    public void Detach() => Base.RemoveAdapter(Name, this);
}
