using System.Diagnostics;
using SharpTune.IO;

namespace SharpTune.Retelling;

/// <summary>
/// Retelling of a text longer than the model's context: the text is chunked to fit a prompt, each chunk is summarised
/// (map), then the chunk summaries, joined in order, are summarised again (reduce) — again chunked and reduced level
/// by level while they do not fit one prompt. A text that fits one prompt is summarised once.
/// </summary>
public static class MapReduce
{
    /// <param name="progress">(texts summarised so far, texts known to need summarising), after each batch.</param>
    public static RetellResult Run(ITextSummarizer model, IReadOnlyList<string> paragraphs, Action<int, int>? progress = null, CancellationToken cancel = default)
    {
        var chunks = Chunker.Split(paragraphs, model.PromptTokens, model.PromptBudget);
        if (chunks.Count == 0) throw new SharpTuneException("nothing to summarise: the text is empty");
        int finished = 0, known = chunks.Count + (chunks.Count > 1 ? 1 : 0);
        IReadOnlyList<string> Step(IReadOnlyList<string> texts)
        {
            int before = finished;
            progress?.Invoke(finished, known);
            var outputs = model.Summarize(texts, n => { finished = before + n; progress?.Invoke(finished, known); }, cancel);
            if (outputs.Count != texts.Count) throw new InvalidOperationException($"the summarizer gave {outputs.Count} summaries for {texts.Count} texts");
            return outputs;
        }

        var clock = Stopwatch.StartNew();
        var mapped = Step(chunks.Select(c => c.Text).ToList());
        double mapSeconds = clock.Elapsed.TotalSeconds;
        var firstLevel = chunks.Select((c, i) => new ChunkSummary(c.Text, c.FirstParagraph, mapped[i])).ToList();
        if (chunks.Count == 1) return new RetellResult(mapped[0], firstLevel, 0, finished, mapSeconds, 0);

        clock.Restart();
        // Empty chunk summaries (a chunk of tables or code the model had nothing to say about) add nothing to the reduce.
        var current = mapped.Where(s => s.Length > 0).DefaultIfEmpty("").ToList();
        int levels = 0;
        while (true)
        {
            levels++;
            var groups = Chunker.Split(current, model.PromptTokens, model.PromptBudget);
            if (groups.Count == 0) return new RetellResult("", firstLevel, levels, finished, mapSeconds, clock.Elapsed.TotalSeconds);
            if (groups.Count > 1 && groups.Count >= current.Count)
                throw new SharpTuneException($"the context is too small to combine summaries: {current.Count} summaries need {groups.Count} prompts of {model.PromptBudget} tokens (give a larger context or fewer new tokens)");
            known += groups.Count - 1; // the one reduce text counted up front becomes this level's groups
            var reduced = Step(groups.Select(g => g.Text).ToList());
            if (groups.Count == 1) return new RetellResult(reduced[0], firstLevel, levels, finished, mapSeconds, clock.Elapsed.TotalSeconds);
            current = reduced.Where(s => s.Length > 0).DefaultIfEmpty("").ToList();
            known++;
        }
    }
}
