using System.Text.RegularExpressions;
using SharpTune.Data;
using SharpTune.Retelling;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Retelling;

/// <summary>Chunks fit the prompt budget, break at paragraph/sentence boundaries when they can, and cover the text in order.</summary>
public class ChunkerTests
{
    private static readonly Tokenizer Tok = Tokenizer.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));

    private static string Normal(string s) => Regex.Replace(s, @"\s+", " ").Trim();

    /// <summary>Prompt tokens as summarize measures them: the template rendered around the text.</summary>
    private static int Measure(string text) => Tok.Encode(SftDataset.PairPrompt(SftDataOptions.DefaultPairTemplate, text)).Length;

    private static IReadOnlyList<string> ManPage(string id)
    {
        foreach (var line in File.ReadLines(Path.Combine(Shared.Root, "data", "manpages", "dev.jsonl")))
        {
            var o = System.Text.Json.JsonDocument.Parse(line).RootElement;
            if (o.GetProperty("id").GetString() == id) return PlainText.Paragraphs(o.GetProperty("source").GetString()!);
        }
        throw new InvalidOperationException(id);
    }

    private static IReadOnlyList<string> Prose()
    {
        var rng = new Random(7);
        string[] words = ["the", "bakery", "opened", "early", "and", "customers", "waited", "outside", "in", "rain", "while", "ovens", "warmed", "slowly"];
        return Enumerable.Range(0, 12).Select(p => string.Join(" ", Enumerable.Range(0, 3 + rng.Next(6)).Select(s =>
        {
            var sentence = string.Join(" ", Enumerable.Range(0, 5 + rng.Next(20)).Select(_ => words[rng.Next(words.Length)]));
            return char.ToUpperInvariant(sentence[0]) + sentence[1..] + (rng.Next(3) == 0 ? "!" : ".");
        }))).ToList();
    }

    [Theory]
    [InlineData(120)]
    [InlineData(200)]
    [InlineData(352)]
    public void ChunksFitCoverTheTextInOrderAndEndAtSentences(int budget)
    {
        var paragraphs = Prose();
        var chunks = Chunker.Split(paragraphs, Measure, budget);
        Assert.True(chunks.Count > 1);
        Assert.All(chunks, c => Assert.True(Measure(c.Text) <= budget, $"{Measure(c.Text)} > {budget}"));
        Assert.Equal(Normal(string.Join(" ", paragraphs)), Normal(string.Join(" ", chunks.Select(c => c.Text))));
        // Every sentence here fits alone, so no chunk ends or starts inside one.
        Assert.All(chunks, c => Assert.Matches(@"[.!]$", c.Text));
        Assert.All(chunks, c => Assert.Matches(@"^[A-Z]", c.Text));
        // Greedy: the next chunk's first piece (its whole first paragraph when that fits alone, else its first sentence)
        // would not have fitted in this one.
        for (int i = 0; i + 1 < chunks.Count; i++)
        {
            var next = chunks[i + 1];
            var paragraph = paragraphs[next.FirstParagraph];
            bool startsParagraph = paragraph.StartsWith(Chunker.Sentences(next.Text).First(), StringComparison.Ordinal);
            var first = startsParagraph && Measure(paragraph) <= budget ? paragraph : Chunker.Sentences(next.Text).First();
            Assert.True(Measure(chunks[i].Text + (startsParagraph ? "\n\n" : " ") + first) > budget);
        }
        // Chunks know the paragraph they start in.
        Assert.Equal(0, chunks[0].FirstParagraph);
        Assert.All(chunks, c => Assert.Contains(Normal(c.Text)[..20], Normal(paragraphs[c.FirstParagraph])));
    }

    [Fact]
    public void AManPageWithOverlongLinesAndWordsStillFitsAndKeepsEveryCharacter()
    {
        var paragraphs = ManPage("ip-address.8").ToList();
        paragraphs.Insert(3, "https://example.org/" + new string('x', 1500)); // one "word" longer than a chunk
        var chunks = Chunker.Split(paragraphs, Measure, 200);
        Assert.All(chunks, c => Assert.True(Measure(c.Text) <= 200));
        Assert.Equal(Regex.Replace(string.Concat(paragraphs), @"\s", ""), Regex.Replace(string.Concat(chunks.Select(c => c.Text)), @"\s", ""));
        Assert.True(chunks.Count > 10);
    }

    [Fact]
    public void TextThatFitsIsOneChunkAndATemplateThatCannotFitIsAnError()
    {
        Assert.Single(Chunker.Split(["Short text."], Measure, 100));
        Assert.Throws<SharpTune.IO.SharpTuneException>(() => Chunker.Split(["Short text."], Measure, 1));
    }
}
