using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// A base model plus one adaptation method. Only <see cref="Trainable"/> parameters require gradients (the
/// base is frozen by the constructor of each method), so the optimizer never holds state for frozen weights.
/// Generation goes through <see cref="ILanguageModel"/>, which each method overrides where it adds virtual
/// tokens or cached prefixes, so the cached and uncached paths agree.
/// </summary>
public abstract class AdaptedModel : ILanguageModel, IDisposable
{
    public CausalLM Base { get; }
    public abstract string Method { get; }
    public abstract IReadOnlyList<(string Name, Parameter P)> Trainable { get; }

    protected AdaptedModel(CausalLM baseModel) { Base = baseModel; }

    public ModelConfig Config => Base.Config;
    public Device Device => Base.Device;

    protected void FreezeBase()
    {
        foreach (var (_, p) in Base.named_parameters()) p.requires_grad = false;
    }

    public long TrainableParameterCount => Trainable.Sum(t => t.P.numel());

    public virtual void SetTraining(bool on) => Base.train(on);

    /// <summary>Logits for a batch, including any virtual positions (PEFT's layout for prompt methods).</summary>
    /// <param name="sequenceIds">[B, T] for packed rows (<see cref="TrainBatch.SequenceIds"/>): each example is
    /// then computed as if alone (with its own view of any virtual tokens or prefix).</param>
    public virtual Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? sequenceIds = null) =>
        Base.Forward(inputIds, attentionMask: attentionMask, sequenceIds: sequenceIds);

    /// <summary>Number of virtual positions <see cref="Forward"/> puts before the real tokens.</summary>
    public virtual int VirtualTokens => 0;

    /// <summary>
    /// True when <see cref="Forward"/> is the base model's own (no virtual positions or prefixes): the loss is then
    /// taken from the hidden states through <see cref="ChunkedCrossEntropy"/>, never materialising all logits.
    /// </summary>
    protected virtual bool ForwardIsBase => true;

    public Tensor Loss(TrainBatch batch)
    {
        if (ForwardIsBase && VirtualTokens == 0)
            return ChunkedCrossEntropy.Compute(Base.ForwardHidden(batch.InputIds, attentionMask: batch.AttentionMask, sequenceIds: batch.SequenceIds),
                Base.OutputWeight, batch.Labels);
        var logits = Forward(batch.InputIds, batch.AttentionMask, batch.SequenceIds);
        var labels = batch.Labels;
        if (VirtualTokens > 0)
            labels = cat([full(labels.shape[0], VirtualTokens, CausalLmLoss.IgnoreIndex, ScalarType.Int64, labels.device), labels], 1);
        return CausalLmLoss.Compute(logits, labels);
    }

    public virtual KvCache NewCache(long batch) => Base.NewCache(batch);

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache) => Logits(inputIds, attentionMask, cache, lastOnly: false);

    /// <summary>Logits for the real positions, or with <paramref name="lastOnly"/> [B, 1, vocab] for the last one.</summary>
    public virtual Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, bool lastOnly) => Base.Logits(inputIds, attentionMask, cache, lastOnly);

    /// <summary>Writes the result: a PEFT adapter folder, or a full HF model folder for full/unfreeze.</summary>
    public abstract void Save(string dir);

    public virtual void Dispose() { }
}
