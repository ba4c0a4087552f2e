using SharpTune.Retelling;

namespace SharpTune.Tests.Retelling;

/// <summary>Map-reduce calls the model once per chunk, then on the chunk summaries, recursively while they do not fit.</summary>
public class MapReduceTests
{
    /// <summary>Counts words as tokens and answers with a numbered label, recording every call.</summary>
    private sealed class CountingSummarizer(int budget, int answerWords) : ITextSummarizer
    {
        public List<IReadOnlyList<string>> Calls { get; } = [];
        public int PromptBudget => budget;
        public int PromptTokens(string text) => 2 + text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        private int _n;

        public IReadOnlyList<string> Summarize(IReadOnlyList<string> texts, Action<int>? done = null, CancellationToken cancel = default)
        {
            Calls.Add(texts);
            var result = texts.Select(_ => string.Join(" ", Enumerable.Repeat($"s{_n++}", answerWords))).ToList();
            done?.Invoke(result.Count);
            return result;
        }
    }

    private static List<string> LongText(int paragraphs) =>
        Enumerable.Range(0, paragraphs).Select(p => string.Join(" ", Enumerable.Range(0, 6).Select(s => $"Paragraph {p} sentence {s} has seven words."))).ToList();

    [Fact]
    public void ALongInputIsSummarisedPerChunkThenOnceMore()
    {
        var model = new CountingSummarizer(budget: 100, answerWords: 3);
        var progress = new List<(int, int)>();
        var result = MapReduce.Run(model, LongText(10), (d, t) => progress.Add((d, t)));
        int chunks = result.Chunks.Count;
        Assert.True(chunks >= 5);
        Assert.Equal(2, model.Calls.Count);
        Assert.Equal(chunks, model.Calls[0].Count);
        Assert.Equal(result.Chunks.Select(c => c.Text), model.Calls[0]);
        // The reduce prompt is the chunk summaries, in order.
        Assert.Equal(string.Join("\n\n", result.Chunks.Select(c => c.Summary)), Assert.Single(model.Calls[1]));
        Assert.Equal($"s{chunks} s{chunks} s{chunks}", result.Summary);
        Assert.Equal(1, result.ReduceLevels);
        Assert.Equal(chunks + 1, result.ModelCalls);
        Assert.Equal((chunks + 1, chunks + 1), progress[^1]);
    }

    [Fact]
    public void SummariesThatDoNotFitOnePromptAreReducedAgain()
    {
        // 30-word summaries, 100-token prompts: three summaries per reduce prompt.
        var model = new CountingSummarizer(budget: 100, answerWords: 30);
        var result = MapReduce.Run(model, LongText(20));
        Assert.True(result.Chunks.Count > 9);
        Assert.True(result.ReduceLevels >= 2);
        Assert.Equal(result.ReduceLevels + 1, model.Calls.Count);
        for (int i = 1; i < model.Calls.Count; i++) Assert.True(model.Calls[i].Count < model.Calls[i - 1].Count);
        Assert.Single(model.Calls[^1]);
        Assert.Equal(model.Calls.Sum(c => c.Count), result.ModelCalls);
    }

    [Fact]
    public void TextThatFitsIsSummarisedOnce()
    {
        var model = new CountingSummarizer(budget: 100, answerWords: 3);
        var result = MapReduce.Run(model, ["One short paragraph.", "And another."]);
        Assert.Equal("s0 s0 s0", result.Summary);
        Assert.Single(model.Calls);
        Assert.Equal("One short paragraph.\n\nAnd another.", Assert.Single(model.Calls[0]));
        Assert.Equal(0, result.ReduceLevels);
    }

    [Fact]
    public void AContextTooSmallToCombineSummariesIsAnError()
    {
        var model = new CountingSummarizer(budget: 40, answerWords: 30);
        var e = Assert.Throws<SharpTune.IO.SharpTuneException>(() => MapReduce.Run(model, LongText(4)));
        Assert.Contains("too small to combine summaries", e.Message);
    }
}
