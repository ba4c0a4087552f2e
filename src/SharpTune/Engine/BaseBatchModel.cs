using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>
/// A plain model as an <see cref="IBatchModel"/>: no adapters, every row base. A model with LoRA applied (or a fully
/// fine-tuned one) counts as plain; prompt and prefix wrappers extend the mask themselves, which a mixed batch with
/// left padding cannot do, so they are refused here and served through the adapter registry.
/// </summary>
public sealed class BaseBatchModel : IBatchModel
{
    private readonly ILanguageModel model;

    public BaseBatchModel(ILanguageModel model)
    {
        if (model is global::SharpTune.Adapters.PromptTuningModel or global::SharpTune.Adapters.PrefixTuningModel)
            throw new SharpTuneException($"the batching engine serves {((global::SharpTune.Adapters.AdaptedModel)model).Method} adapters through the adapter registry, not as a plain model");
        this.model = model;
    }

    public ModelConfig Config => model.Config;
    public Device Device => model.Device;
    public IReadOnlyList<string> Adapters => [];

    public KvCache NewCache(string? adapter) { Check(adapter); return model.NewCache(1); }

    public Tensor Prefill(Tensor inputIds, KvCache cache, string? adapter)
    {
        Check(adapter);
        using var mask = ones_like(inputIds);
        return Logits(inputIds, mask, cache, [adapter], lastOnly: true);
    }

    private static void Check(string? adapter)
    {
        if (adapter is not null) throw new SharpTuneException($"adapter '{adapter}' is not loaded (this model serves the base only)");
    }

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, IReadOnlyList<string?> rowAdapters, bool lastOnly)
    {
        foreach (var a in rowAdapters) Check(a);
        if (!lastOnly) return model.Logits(inputIds, attentionMask, cache);
        // The vocabulary projection is the largest matmul of a small model: apply it to the last position only.
        if (model is CausalLM lm)
        {
            var hidden = lm.ForwardHidden(inputIds, attentionMask: attentionMask, cache: cache);
            return nn.functional.linear(hidden.narrow(1, hidden.shape[1] - 1, 1), lm.OutputWeight);
        }
        var logits = model.Logits(inputIds, attentionMask, cache);
        return logits.narrow(1, logits.shape[1] - 1, 1);
    }
}
