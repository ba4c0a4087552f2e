using SharpTune.Generation;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>
/// What the batching engine needs of a model that serves several adapters at once: <see cref="RegistryBatchModel"/>
/// (the adapter registry, what `serve` runs); <see cref="BaseBatchModel"/> serves a plain model, every row base.
/// </summary>
public interface IBatchModel
{
    ModelConfig Config { get; }
    Device Device { get; }

    /// <summary>Adapter names a row may ask for.</summary>
    IReadOnlyList<string> Adapters { get; }

    /// <summary>A fresh one-row cache for a request under this adapter (null: the base); prefix adapters seed it.</summary>
    KvCache NewCache(string? adapter);

    /// <summary>
    /// Runs one prompt [1, T] under its adapter into its fresh cache and returns the last position's logits
    /// [1, 1, vocab]. Prompt and prefix adapters act here (virtual tokens, seeded cache) and their effect then lives
    /// in the row's cache; every cached position counts as real from then on.
    /// </summary>
    Tensor Prefill(Tensor inputIds, KvCache cache, string? adapter);

    /// <summary>
    /// Logits for a batch whose rows use different adapters: [B, 1, vocab] when <paramref name="lastOnly"/>, else
    /// [B, T, vocab]. <paramref name="attentionMask"/> [B, cached + T] covers every cached position (virtual tokens
    /// and prefixes included, as 1) so the mixed batch needs no per-adapter mask handling.
    /// </summary>
    Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, IReadOnlyList<string?> rowAdapters, bool lastOnly);
}
