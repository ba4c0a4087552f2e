using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.Tokenization;

namespace SharpTune.Retelling;

/// <summary>
/// Summaries from a model (+ adapter) the way eval prompts it: the pair template around the text (from the adapter's
/// sharptune_task.json), greedy, stopping at the task's stop strings; texts are generated in batches.
/// </summary>
public sealed class ModelSummarizer : ITextSummarizer
{
    private readonly TextGenerator _generator;
    private readonly GenerationOptions _options;
    private readonly int _batchSize;
    private readonly SummaryPrompts _prompts;

    public int PromptBudget { get; }

    /// <param name="context">Tokens of prompt + answer (the model's context or the adapter's trained length).</param>
    public ModelSummarizer(ILanguageModel model, Tokenizer tok, string template, int context, int maxNewTokens, IReadOnlyList<string> stop, int batchSize,
        double repetitionPenalty = 1.0)
    {
        _prompts = new SummaryPrompts(tok, template);
        _batchSize = batchSize;
        _generator = new TextGenerator(model, ids => tok.Decode(ids, skipSpecialTokens: true));
        var eos = new List<int>(model.Config.EosTokenIds);
        if (tok.EosTokenId is int e) eos.Add(e);
        _options = new GenerationOptions
        {
            MaxNewTokens = maxNewTokens, StopStrings = stop, EosTokenIds = eos, PadTokenId = tok.PadTokenId ?? 0, RepetitionPenalty = repetitionPenalty,
        };
        PromptBudget = context - maxNewTokens;
    }

    public int PromptTokens(string text) => Prompt(text).Length;

    private int[] Prompt(string text) => _prompts.Encode(text);

    public IReadOnlyList<string> Summarize(IReadOnlyList<string> texts, Action<int>? done = null, CancellationToken cancel = default)
    {
        var results = new List<string>(texts.Count);
        foreach (var batch in texts.Chunk(_batchSize))
        {
            var outputs = _generator.Generate(batch.Select(Prompt).ToList(), _options, cancel: cancel);
            results.AddRange(outputs.Select(o => SummaryPrompts.OneLine(o.Text ?? "")));
            done?.Invoke(results.Count);
        }
        return results;
    }
}
