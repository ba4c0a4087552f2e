using SharpTune.Adapters;
using SharpTune.Engine;
using SharpTune.Generation;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// Prompt and prefix adapters act at prefill and then live in the row's cache: rows of each kind, mixed with base
/// rows in one running batch, decode as the adapted model does alone. This is the contract the adapter registry's
/// mixed forward is wired to (a mask over every cached position, virtual tokens and prefixes included).
/// </summary>
public class EnginePromptAdapterTests
{
    private static string BaseDir => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");

    // Prefill through each adapter's own model; decode through the plain base with the engine's physical mask.
    private sealed class PromptAdapterBatchModel(CausalLM baseModel, Dictionary<string, ILanguageModel> views) : IBatchModel
    {
        private readonly BaseBatchModel _base = new(baseModel);
        public ModelConfig Config => baseModel.Config;
        public Device Device => baseModel.Device;
        public IReadOnlyList<string> Adapters => views.Keys.ToList();
        private ILanguageModel View(string? a) => a is null ? baseModel : views[a];
        public KvCache NewCache(string? adapter) => View(adapter).NewCache(1);

        public Tensor Prefill(Tensor inputIds, KvCache cache, string? adapter)
        {
            var logits = View(adapter).Logits(inputIds, ones_like(inputIds), cache);
            return logits.narrow(1, logits.shape[1] - 1, 1);
        }

        public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache, IReadOnlyList<string?> rowAdapters, bool lastOnly) =>
            _base.Logits(inputIds, attentionMask, cache, new string?[rowAdapters.Count], lastOnly);
    }

    [Fact]
    public async Task PrefixAndPromptTuningRowsDecodeAsAloneInAMixedBatch()
    {
        using var model = ModelIO.Load(BaseDir);
        var tok = Tokenizer.Load(BaseDir);
        using var prefix = new PrefixTuningModel(model, new PeftConfig { PeftType = "PREFIX_TUNING", NumVirtualTokens = 5 }, seed: 3);
        using var prompt = new PromptTuningModel(model, new PeftConfig { PeftType = "PROMPT_TUNING", NumVirtualTokens = 7 }, seed: 4);
        var views = new Dictionary<string, ILanguageModel> { ["prefix"] = prefix, ["prompt"] = prompt };
        using var engine = new BatchingEngine(new PromptAdapterBatchModel(model, views), tok, "sharptune-base");

        string?[] adapters = [null, "prefix", "prompt", "prefix", null, "prompt"];
        var prompts = new[] { "Package: curl", "The quick brown fox jumps over", "Hello", "A library for parsing options", "tool", "Debian is a free operating system" }
            .Select(t => tok.Encode(t, addSpecialTokens: false)).ToArray();
        var greedy = new GenerationOptions { MaxNewTokens = 16, EosTokenIds = [] };
        var runs = prompts.Select((p, i) => Task.Run(async () =>
        {
            var tokens = new List<int>();
            await foreach (var o in engine.Generate(new EngineRequest(p, greedy with { MaxNewTokens = 10 + 3 * i }, adapters[i]))) tokens.AddRange(o.Tokens);
            return tokens;
        })).ToArray();
        var results = await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(120));
        for (int i = 0; i < prompts.Length; i++)
        {
            ILanguageModel lm = adapters[i] is string a ? views[a] : model;
            var alone = new TextGenerator(lm).Generate([prompts[i]], greedy with { MaxNewTokens = 10 + 3 * i })[0].Tokens;
            Assert.Equal(alone, results[i]);
            // The adapter matters: the base alone says something else.
            if (adapters[i] is not null)
                Assert.NotEqual(new TextGenerator(model).Generate([prompts[i]], greedy with { MaxNewTokens = 10 + 3 * i })[0].Tokens, alone);
        }
    }
}
