using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>One micro-batch: ids [B,T], labels [B,T] (−100 = no loss), attention mask [B,T] or null when unpadded.</summary>
public sealed record TrainBatch(Tensor InputIds, Tensor Labels, Tensor? AttentionMask)
{
    /// <summary>Tokens that carry loss (after the shift).</summary>
    public long LossTokens => Labels.narrow(1, 1, Labels.shape[1] - 1).ne(CausalLmLoss.IgnoreIndex).sum().item<long>();

    public long Tokens => AttentionMask?.sum().item<long>() ?? InputIds.numel();
}
