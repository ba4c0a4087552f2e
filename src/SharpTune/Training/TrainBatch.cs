using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// One micro-batch: ids [B,T], labels [B,T] (−100 = no loss), attention mask [B,T] or null when unpadded, and
/// for packed rows the sequence ids [B,T] (1, 2, … for the examples of a row, 0 for padding; null when each row
/// holds one example), which the model turns into block-diagonal attention and per-example positions.
/// </summary>
public sealed record TrainBatch(Tensor InputIds, Tensor Labels, Tensor? AttentionMask, Tensor? SequenceIds = null)
{
    /// <summary>Tokens that carry loss (after the shift).</summary>
    public long LossTokens => Labels.narrow(1, 1, Labels.shape[1] - 1).ne(CausalLmLoss.IgnoreIndex).sum().item<long>();

    public long Tokens => AttentionMask?.sum().item<long>() ?? InputIds.numel();
}
