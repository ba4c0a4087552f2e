using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>HF's causal-LM loss: logits at t predict labels at t+1; −100 labels are ignored; mean over the rest.</summary>
public static class CausalLmLoss
{
    public const long IgnoreIndex = -100;

    public static Tensor Compute(Tensor logits, Tensor labels)
    {
        long t = logits.shape[1];
        var shiftLogits = logits.narrow(1, 0, t - 1).reshape(-1, logits.shape[2]).to_type(ScalarType.Float32);
        var shiftLabels = labels.narrow(1, 1, t - 1).reshape(-1).to(logits.device);
        return nn.functional.cross_entropy(shiftLogits, shiftLabels, ignore_index: IgnoreIndex);
    }
}
