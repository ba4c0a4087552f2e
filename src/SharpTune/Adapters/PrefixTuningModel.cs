using SharpTune.IO;
using SharpTune.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// Prefix tuning (P-tuning v2): N trainable keys and values in every layer, placed in the KV cache before the
/// real tokens (no RoPE on them); the real tokens take positions N… and the mask is prefixed with ones.
/// With prefix_projection the prefixes come from an embedding through Linear–Tanh–Linear. Sizes follow
/// PEFT 0.12 for grouped-query models: token_dim = head_dim × kv_heads.
/// </summary>
public sealed class PrefixTuningModel : AdaptedModel
{
    public PeftConfig Settings { get; }
    private readonly Parameter _embedding;
    private readonly Sequential? _transform;
    private readonly List<(string, Parameter)> _trainable;

    public override string Method => "prefix-tuning";
    public override IReadOnlyList<(string Name, Parameter P)> Trainable => _trainable;

    public PrefixTuningModel(CausalLM baseModel, PeftConfig settings, long seed = 0) : base(baseModel)
    {
        var c = baseModel.Config;
        if (settings.NumVirtualTokens <= 0) throw new SharpTuneException($"num_virtual_tokens must be > 0, got {settings.NumVirtualTokens}");
        Settings = settings with
        {
            TokenDim = c.HeadDim * c.NumKvHeads, NumLayers = c.NumLayers, NumAttentionHeads = c.NumKvHeads,
            EncoderHiddenSize = settings.EncoderHiddenSize > 0 ? settings.EncoderHiddenSize : c.HiddenSize,
        };
        FreezeBase();
        var rng = new Generator((ulong)seed, CPU);
        int n = Settings.NumVirtualTokens, flat = c.NumLayers * 2 * Settings.TokenDim;
        int width = Settings.PrefixProjection ? Settings.TokenDim : flat;
        using (var e = randn([n, width], generator: rng)) _embedding = new Parameter(e.to(baseModel.DType, baseModel.Device));
        _trainable = [("prompt_encoder.default.embedding.weight", _embedding)];
        if (Settings.PrefixProjection)
        {
            _transform = nn.Sequential(
                nn.Linear(Settings.TokenDim, Settings.EncoderHiddenSize, device: baseModel.Device, dtype: baseModel.DType), nn.Tanh(),
                nn.Linear(Settings.EncoderHiddenSize, flat, device: baseModel.Device, dtype: baseModel.DType));
            _trainable.AddRange(_transform.named_parameters().Select(p => ("prompt_encoder.default.transform." + p.name, p.parameter)));
        }
    }

    /// <summary>The flat prefix values [N, layers·2·token_dim], as PEFT saves them.</summary>
    public Tensor PrefixValues() => _transform is null ? _embedding : _transform.forward(_embedding);

    private KvCache Seeded(long batch, bool differentiable)
    {
        var c = Base.Config;
        int n = Settings.NumVirtualTokens;
        // [N, 2L, kvH, D] → [2L, kvH, N, D]; index 2l is layer l's keys, 2l+1 its values.
        var kv = PrefixValues().view(n, 2 * c.NumLayers, c.NumKvHeads, c.HeadDim).permute(1, 2, 0, 3);
        var cache = new KvCache(c.NumLayers, differentiable);
        for (int l = 0; l < c.NumLayers; l++)
            cache.Seed(l, kv[2 * l].unsqueeze(0).expand(batch, -1, -1, -1), kv[2 * l + 1].unsqueeze(0).expand(batch, -1, -1, -1));
        return cache;
    }

    private Tensor WithPrefixMask(Tensor mask) =>
        cat([ones(mask.shape[0], Settings.NumVirtualTokens, ScalarType.Int64, mask.device), mask.to_type(ScalarType.Int64)], 1);

    public override void SetTraining(bool on)
    {
        base.SetTraining(on);
        _transform?.train(on);
    }

    protected override bool ForwardIsBase => false;

    // Packed rows: the prefix sits in the cache, which every example of a row sees, and each example's
    // positions restart at N (what it gets alone), so packing needs nothing beyond passing the sequence ids.
    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? sequenceIds = null)
    {
        var mask = WithPrefixMask(attentionMask ?? ones_like(inputIds));
        var cache = Seeded(inputIds.shape[0], differentiable: true);
        return Base.Forward(inputIds, attentionMask: mask, cache: cache, sequenceIds: sequenceIds);
    }

    public override KvCache NewCache(long batch)
    {
        using var _ = no_grad();
        return Seeded(batch, differentiable: false);
    }

    public override Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, bool lastOnly)
    {
        if (cache is not null) return Base.Forward(inputIds, attentionMask: WithPrefixMask(attentionMask), cache: cache, lastOnly: lastOnly);
        using var fresh = NewCache(inputIds.shape[0]);
        return Base.Forward(inputIds, attentionMask: WithPrefixMask(attentionMask), cache: fresh, lastOnly: lastOnly);
    }

    public override void Save(string dir) => AdapterIO.SavePromptLearning(dir, PrefixValues, _transform is null ? null : _trainable, Settings);

    /// <summary>
    /// PEFT in inference mode: the saved values are used directly (no projection). A folder that also holds
    /// SharpTune's encoder file is loaded with its projection instead (<see cref="AdapterIO.Load"/>).
    /// </summary>
    public static PrefixTuningModel FromValues(CausalLM baseModel, PeftConfig settings, Tensor values)
    {
        var m = new PrefixTuningModel(baseModel, settings with { PrefixProjection = false });
        if (!values.shape.SequenceEqual(m._embedding.shape))
            throw new SharpTuneException($"prompt_embeddings has shape [{string.Join(",", values.shape)}], expected [{string.Join(",", m._embedding.shape)}] (num_virtual_tokens × layers·2·head_dim·kv_heads)");
        using var _ = no_grad();
        m._embedding.copy_(values);
        return m;
    }
}
