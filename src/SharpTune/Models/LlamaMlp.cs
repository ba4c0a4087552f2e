using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>SwiGLU: down(act(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module<Tensor, Tensor>
{
    public LinearLayer gate_proj, up_proj, down_proj;
    private readonly Func<Tensor, Tensor> _act;
    private readonly FusedProjection _gateUp;

    public LlamaMlp(ModelConfig c, Device device, ScalarType dtype) : base("mlp")
    {
        _act = Activations.Get(c.HiddenAct);
        // gate and up weights are row blocks of one matrix: inference multiplies once (FusedProjection).
        _gateUp = new FusedProjection(["gate_proj", "up_proj"], c.HiddenSize, [c.IntermediateSize, c.IntermediateSize], c.MlpBias, device, dtype);
        (gate_proj, up_proj) = (_gateUp.Parts[0], _gateUp.Parts[1]);
        down_proj = new LinearLayer("down_proj", c.IntermediateSize, c.HiddenSize, c.MlpBias, false, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!_gateUp.Usable) return down_proj.forward(_act(gate_proj.forward(x)) * up_proj.forward(x));
        var gu = _gateUp.Forward(x);
        return down_proj.forward(_act(gu[0]) * gu[1]);
    }

    /// <summary>Whether a forward now would run the one fused matmul (see <see cref="FusedProjection.Usable"/>).</summary>
    public bool Fused => _gateUp.Usable;

    /// <summary>gate and up [B, T, ·] by the fused matmul (only when <see cref="Fused"/>).</summary>
    public Tensor[] Projections(Tensor x) => _gateUp.Forward(x);

    /// <summary>The configured activation (SiLU for Llama/Qwen2).</summary>
    public Tensor Activate(Tensor x) => _act(x);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gateUp.Dispose();
        base.Dispose(disposing);
    }
}
