using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// A decoder-only language model whose <c>named_parameters()</c> are exactly Hugging Face's names, so
/// checkpoints, gradients and adapters map one to one. Subclasses supply the embedding and the stack;
/// masking, positions and the output head are shared here.
/// </summary>
public abstract class CausalLM : nn.Module, Generation.ILanguageModel
{
    public ModelConfig Config { get; }
    public Device Device { get; }
    public ScalarType DType { get; }

    protected CausalLM(string name, ModelConfig config, Device device, ScalarType dtype) : base(name)
    {
        Config = config; Device = device; DType = dtype;
    }

    /// <summary>Token embeddings [B, T, hidden] (no positions): what prompt tuning prepends to.</summary>
    public abstract Tensor EmbedTokens(Tensor inputIds);

    /// <summary>The matrix that maps hidden states to logits, [vocab, hidden] (the embedding when tied).</summary>
    public abstract Tensor OutputWeight { get; }

    /// <summary>Runs the decoder stack and final norm over embeddings.</summary>
    protected abstract Tensor Body(Tensor embeds, Tensor positionIds, AttentionMask mask, KvCache? cache);

    public KvCache NewCache(long batch = 1) => new(Config.NumLayers);

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache) => Forward(inputIds, attentionMask: attentionMask, cache: cache);

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, bool lastOnly) =>
        Forward(inputIds, attentionMask: attentionMask, cache: cache, lastOnly: lastOnly);

    private LinearLayer[]? _linears;

    /// <summary>Every dense projection of the model (where named adapters live).</summary>
    public IReadOnlyList<LinearLayer> LinearLayers => _linears ??= modules().OfType<LinearLayer>().ToArray();

    /// <summary>
    /// Runs <paramref name="forward"/> with <paramref name="routing"/> set on every linear layer (per-row adapters
    /// of a mixed batch), and clears it after, whatever happens. Not re-entrant: one forward at a time.
    /// </summary>
    public T Routed<T>(AdapterRouting routing, Func<T> forward)
    {
        var layers = LinearLayers;
        foreach (var l in layers) l.Routing = routing;
        try { return forward(); }
        finally { foreach (var l in layers) l.Routing = null; }
    }

    /// <summary>Final hidden states [B, T, hidden].</summary>
    /// <param name="attentionMask">[B, past+T] of 1/0 (padding), or null when every token is real.</param>
    /// <param name="positionIds">[B, T]; by default past..past+T−1, or HF's cumsum(mask)−1 under padding, or
    /// past + the position inside each packed example.</param>
    /// <param name="sequenceIds">[B, T] for rows packed with several examples (see <see cref="AttentionMask.Build"/>):
    /// each example then attends only to itself (and to the cache) and its positions restart, so it gets the
    /// logits it would get alone. Null: one sequence per row.</param>
    public Tensor ForwardHidden(Tensor? inputIds = null, Tensor? inputsEmbeds = null, Tensor? attentionMask = null,
        Tensor? positionIds = null, KvCache? cache = null, Tensor? sequenceIds = null)
    {
        var embeds = inputsEmbeds ?? EmbedTokens(inputIds ?? throw new ArgumentException("inputIds or inputsEmbeds is required"));
        long b = embeds.shape[0], t = embeds.shape[1], past = cache?.Length ?? 0;
        if (attentionMask is not null && attentionMask.shape[1] != past + t)
            throw new ArgumentException($"attention mask covers {attentionMask.shape[1]} positions, expected past {past} + new {t}");
        Tensor? padding = attentionMask is not null && attentionMask.min().item<long>() == 0 ? attentionMask : null;
        if (sequenceIds is not null && (sequenceIds.shape[0] != b || sequenceIds.shape[1] != t))
            throw new ArgumentException($"sequence ids have shape [{string.Join(",", sequenceIds.shape)}], expected [{b},{t}]");
        positionIds ??= sequenceIds is not null
            ? AttentionMask.PositionsWithin(sequenceIds.to(Device)) + past
            : padding is null
            ? arange(past, past + t, dtype: ScalarType.Int64, device: Device).unsqueeze(0).expand(b, t)
            : DefaultPositions(padding, t);
        var mask = AttentionMask.Build(b, t, past, padding, Config.SlidingWindow, DType, Device, sequenceIds);
        return Body(embeds, positionIds, mask, cache);
    }

    /// <summary>Logits [B, T, vocab], or with <paramref name="lastOnly"/> [B, 1, vocab] for the last position.</summary>
    /// <param name="lastOnly">Run the output head on the last position's hidden state only (decoding reads nothing
    /// else): the head is the model's widest matmul, so a prompt's prefill skips T−1 of them.</param>
    public Tensor Forward(Tensor? inputIds = null, Tensor? inputsEmbeds = null, Tensor? attentionMask = null,
        Tensor? positionIds = null, KvCache? cache = null, Tensor? sequenceIds = null, bool lastOnly = false)
    {
        var hidden = ForwardHidden(inputIds, inputsEmbeds, attentionMask, positionIds, cache, sequenceIds);
        if (lastOnly) hidden = hidden.narrow(1, hidden.shape[1] - 1, 1);
        return CpuGemv.Linear(hidden, OutputWeight, null);
    }

    // As HF generate: position = number of real tokens before this one; padded slots get 1 (they are masked).
    private Tensor DefaultPositions(Tensor mask, long t)
    {
        var m = mask.to(Device).to_type(ScalarType.Int64);
        var pos = m.cumsum(-1) - 1;
        pos = pos.masked_fill(m.eq(0), 1);
        return pos.narrow(1, pos.shape[1] - t, t);
    }

    /// <summary>Parameters by HF name, excluding tied duplicates.</summary>
    public Dictionary<string, Tensor> StateDict() => named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);

    public long ParameterCount() => named_parameters().Sum(p => p.parameter.numel());
}
