using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// Prompt tuning and P-tuning: N trainable virtual-token embeddings prepended to the input embeddings (for
/// P-tuning produced by a prompt encoder). As in PEFT, logits include the virtual positions, the mask is
/// prefixed with ones, and positions run over the combined sequence. Under the KV cache the virtual tokens
/// enter once, with the prompt; uncached steps prepend them again, so both paths see the same sequence.
/// </summary>
public sealed class PromptTuningModel : AdaptedModel
{
    public PeftConfig Settings { get; }
    private readonly Parameter? _embeddings;
    private readonly PromptEncoder? _encoder;
    private readonly List<(string, Parameter)> _trainable;

    public override string Method => Settings.PeftType == "P_TUNING" ? "p-tuning" : "prompt-tuning";
    public override IReadOnlyList<(string Name, Parameter P)> Trainable => _trainable;
    public override int VirtualTokens => Settings.NumVirtualTokens;
    public PromptEncoder? Encoder => _encoder;

    public PromptTuningModel(CausalLM baseModel, PeftConfig settings, long seed = 0, Tokenizer? tokenizer = null) : base(baseModel)
    {
        if (settings.NumVirtualTokens <= 0) throw new SharpTuneException($"num_virtual_tokens must be > 0, got {settings.NumVirtualTokens}");
        Settings = settings with
        {
            TokenDim = baseModel.Config.HiddenSize, NumLayers = baseModel.Config.NumLayers, NumAttentionHeads = baseModel.Config.NumHeads,
            EncoderHiddenSize = settings.EncoderHiddenSize > 0 ? settings.EncoderHiddenSize : baseModel.Config.HiddenSize,
        };
        FreezeBase();
        var rng = new Generator((ulong)seed, CPU);
        int n = Settings.NumVirtualTokens, d = Settings.TokenDim;
        if (Settings.PeftType == "P_TUNING")
        {
            _encoder = new PromptEncoder(n, d, Settings.EncoderHiddenSize, Settings.EncoderReparameterizationType, Settings.EncoderDropout, baseModel.Device, baseModel.DType, rng);
            _trainable = _encoder.PeftNamedParameters().ToList();
        }
        else
        {
            Tensor init;
            if (Settings.PromptTuningInit == "TEXT")
            {
                if (tokenizer is null || string.IsNullOrEmpty(Settings.PromptTuningInitText))
                    throw new SharpTuneException("prompt tuning init TEXT needs --init-text and a tokenizer");
                // PEFT: the text's token embeddings, repeated or cut to num_virtual_tokens.
                var ids = tokenizer.Encode(Settings.PromptTuningInitText, addSpecialTokens: false);
                if (ids.Length == 0) throw new SharpTuneException("--init-text encodes to no tokens");
                var idx = Enumerable.Range(0, n).Select(i => (long)ids[i % ids.Length]).ToArray();
                using var _ = no_grad();
                init = baseModel.EmbedTokens(tensor(idx, device: baseModel.Device)).detach().clone();
            }
            else init = randn([n, d], generator: rng).to(baseModel.DType, baseModel.Device);
            _embeddings = new Parameter(init);
            _trainable = [("prompt_encoder.default.embedding.weight", _embeddings)];
        }
    }

    /// <summary>The virtual-token embeddings as PEFT saves them (P-tuning: the encoder's output).</summary>
    public Tensor PromptEmbeddings() => _encoder?.Compute() ?? _embeddings!;

    public override void SetTraining(bool on)
    {
        base.SetTraining(on);
        _encoder?.train(on);
    }

    private (Tensor Embeds, Tensor Mask) Prepend(Tensor inputIds, Tensor? mask)
    {
        long b = inputIds.shape[0];
        var prompts = PromptEmbeddings().unsqueeze(0).expand(b, -1, -1);
        var embeds = cat([prompts.to_type(Base.DType), Base.EmbedTokens(inputIds)], 1);
        var realMask = mask ?? ones(b, inputIds.shape[1], ScalarType.Int64, inputIds.device);
        var fullMask = cat([ones(b, VirtualTokens, ScalarType.Int64, inputIds.device), realMask.to_type(ScalarType.Int64)], 1);
        return (embeds, fullMask);
    }

    protected override bool ForwardIsBase => false;

    public override Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? sequenceIds = null)
    {
        var (embeds, mask) = Prepend(inputIds, attentionMask);
        if (sequenceIds is null) return Base.Forward(inputsEmbeds: embeds, attentionMask: mask);
        // Packed rows: one copy of the virtual tokens serves every example of the row. The virtual tokens see
        // only each other (causal), so their states do not depend on what follows; each example sees them and
        // itself, at positions N… as when alone — exactly the unpacked computation, without N copies per example.
        long b = inputIds.shape[0], n = VirtualTokens;
        var device = inputIds.device;
        var ids = cat([full(b, n, AttentionMask.Shared, ScalarType.Int64, device), sequenceIds.to(device).to_type(ScalarType.Int64)], 1);
        var positions = cat([arange(n, dtype: ScalarType.Int64, device: device).unsqueeze(0).expand(b, n),
            AttentionMask.PositionsWithin(sequenceIds.to(device)) + n], 1);
        return Base.Forward(inputsEmbeds: embeds, attentionMask: mask, positionIds: positions, sequenceIds: ids);
    }

    public override Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, bool lastOnly)
    {
        var ones = full(attentionMask.shape[0], VirtualTokens, 1L, ScalarType.Int64, attentionMask.device);
        var mask = cat([ones, attentionMask.to_type(ScalarType.Int64)], 1);
        if (cache is not null && cache.Length > 0) return Base.Forward(inputIds, attentionMask: mask, cache: cache, lastOnly: lastOnly);
        var (embeds, _) = Prepend(inputIds, null);
        // Only the real positions' logits matter to the generator (the last one is real: virtual tokens come first).
        var logits = Base.Forward(inputsEmbeds: embeds, attentionMask: mask, cache: cache, lastOnly: lastOnly);
        return lastOnly ? logits : logits.narrow(1, VirtualTokens, inputIds.shape[1]);
    }

    // PEFT keeps only the computed embeddings; the encoder is saved beside them so training can continue.
    public override void Save(string dir) => AdapterIO.SavePromptLearning(dir, PromptEmbeddings, _encoder is null ? null : _trainable, Settings);

    /// <summary>
    /// Loads PEFT's prompt_embeddings (P-tuning: as fixed embeddings, as PEFT does in inference mode). A folder that
    /// also holds SharpTune's encoder file is loaded with its encoder instead (<see cref="AdapterIO.Load"/>).
    /// </summary>
    public static PromptTuningModel FromEmbeddings(CausalLM baseModel, PeftConfig settings, Tensor embeddings)
    {
        var m = new PromptTuningModel(baseModel, settings with { PeftType = "PROMPT_TUNING", PromptTuningInit = "RANDOM" });
        using var _ = no_grad();
        if (!embeddings.shape.SequenceEqual(m._embeddings!.shape))
            throw new SharpTuneException($"prompt_embeddings has shape [{string.Join(",", embeddings.shape)}], expected [{string.Join(",", m._embeddings.shape)}]");
        m._embeddings.copy_(embeddings);
        return settings.PeftType == "P_TUNING" ? m.AsPTuning(settings) : m;
    }

    private PromptTuningModel AsPTuning(PeftConfig original) => new(this, original);

    private PromptTuningModel(PromptTuningModel loaded, PeftConfig original) : base(loaded.Base)
    {
        Settings = loaded.Settings with { PeftType = original.PeftType, EncoderReparameterizationType = original.EncoderReparameterizationType, EncoderHiddenSize = original.EncoderHiddenSize };
        _embeddings = loaded._embeddings;
        _trainable = loaded._trainable;
    }
}
