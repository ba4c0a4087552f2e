using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Tokenization;

namespace SharpTune.Evaluation;

/// <summary>Generates a summary for each pair (greedy, one line) and scores the lot with ROUGE.</summary>
public static class SummaryEvaluator
{
    public sealed record Item(SummaryPair Pair, string Generated);

    public sealed record Report(RougeSummary Rouge, IReadOnlyList<Item> Items, double Seconds);

    public static Report Run(ILanguageModel model, Tokenizer tok, IReadOnlyList<SummaryPair> pairs, string template, int maxPromptTokens,
        int maxNewTokens = 32, int batchSize = 8, Action<int>? onDone = null, CancellationToken cancel = default)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var gen = new TextGenerator(model, ids => tok.Decode(ids, skipSpecialTokens: true));
        var eos = new List<int>(model.Config.EosTokenIds);
        if (tok.EosTokenId is int e) eos.Add(e);
        var options = new GenerationOptions { MaxNewTokens = maxNewTokens, StopStrings = ["\n"], EosTokenIds = eos, PadTokenId = tok.PadTokenId ?? 0 };
        var items = new List<Item>();
        foreach (var chunk in pairs.Chunk(batchSize))
        {
            var prompts = chunk.Select(p => Prompt(tok, p, template, maxPromptTokens)).ToList();
            var results = gen.Generate(prompts, options, cancel: cancel);
            for (int i = 0; i < chunk.Length; i++) items.Add(new Item(chunk[i], (results[i].Text ?? "").Trim()));
            onDone?.Invoke(items.Count);
        }
        var rouge = Rouge.Corpus(items.Select(i => (i.Generated, i.Pair.Summary)).ToList());
        return new Report(rouge, items, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The prompt as training builds it, with the source cut (keeping the template's tail) to fit.</summary>
    public static int[] Prompt(Tokenizer tok, SummaryPair p, string template, int maxTokens)
    {
        var ids = tok.Encode(SftDataset.PairPrompt(template, p.Source));
        if (ids.Length <= maxTokens) return ids;
        return ids.Take(maxTokens - 4).Concat(ids.TakeLast(4)).ToArray();
    }
}
