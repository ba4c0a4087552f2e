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
}
