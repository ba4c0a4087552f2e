using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Generation;

/// <summary>
/// What the generator drives: a model (or a model wrapped by an adapter such as prompt or prefix tuning)
/// that maps new tokens to logits, optionally through a KV cache. <paramref name="attentionMask"/> always
/// covers the real tokens seen so far (past + new); wrappers that add virtual tokens extend it themselves.
/// </summary>
public interface ILanguageModel
{
    ModelConfig Config { get; }
    Device Device { get; }

    /// <summary>A fresh cache; wrappers may seed it (prefix tuning puts its keys/values there).</summary>
    KvCache NewCache(long batch);

    /// <summary>Logits [B, T, vocab] for <paramref name="inputIds"/> [B, T].</summary>
    Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache);

    /// <summary>
    /// With <paramref name="lastOnly"/>, logits [B, 1, vocab] for the last position only: what decoding reads. Models
    /// override it to run the output head on the last hidden state alone (the head is vocab × hidden per position,
    /// the largest matmul of a small model); this default computes every position and keeps the last.
    /// </summary>
    Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, bool lastOnly)
    {
        var logits = Logits(inputIds, attentionMask, cache);
        return lastOnly ? logits.narrow(1, logits.shape[1] - 1, 1) : logits;
    }
}
