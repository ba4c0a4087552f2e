using SharpTune.Adapters;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>
/// The adapter registry as the batching engine's model: one base, every loaded adapter a row may ask for. A LoRA row
/// is prefilled and decoded through the registry's mixed forward (its update added to its own rows only). A prompt or
/// prefix row is prefilled through the adapter's <see cref="AdapterRegistry.View"/> — virtual tokens enter its cache,
/// or the cache starts seeded with the prefix — and then decodes on the base layers like a base row.
/// </summary>
/// <remarks>
/// The view's prefill is given a mask over the prompt only: the prompt/prefix model prepends the ones for its own
/// virtual positions. In the mixed decode the engine's mask already covers every cached position, virtual ones
/// included, so it goes to the base layers as it is; going through the view there would count those columns twice.
/// </remarks>
public sealed class RegistryBatchModel(AdapterRegistry registry) : IBatchModel
{
    public AdapterRegistry Registry { get; } = registry;
    public ModelConfig Config => Registry.Base.Config;
    public Device Device => Registry.Base.Device;
    public IReadOnlyList<string> Adapters => Registry.Names;

    public KvCache NewCache(string? adapter) =>
        adapter is not null && Registry.ActsAtPrefill(adapter) ? Registry.View(adapter).NewCache(1) : Registry.Base.NewCache(1);

    public Tensor Prefill(Tensor inputIds, KvCache cache, string? adapter)
    {
        if (inputIds.shape[0] != 1) throw new SharpTuneException($"prefill takes one row, got {inputIds.shape[0]}");
        using var mask = ones_like(inputIds);
        if (adapter is not null && Registry.ActsAtPrefill(adapter))
            return Registry.View(adapter).Logits(inputIds, mask, cache, lastOnly: true);
        return Registry.Logits(inputIds, mask, cache, [adapter], lastOnly: true);
    }

    // Prompt/prefix rows carry their adapter in the cache: the layers see them as base rows.
    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, IReadOnlyList<string?> rowAdapters, bool lastOnly) =>
        Registry.Logits(inputIds, attentionMask, cache, rowAdapters.Select(a => a is not null && Registry.ActsAtPrefill(a) ? null : a).ToArray(), lastOnly);
}
