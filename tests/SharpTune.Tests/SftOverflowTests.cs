using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

/// <summary>
/// Over-long examples: by default the source is cut at a word boundary so prompt + answer fit, the answer and the
/// template's tail stay whole, and the count is reported. The shipped train split has one (line 18, 573 tokens with the
/// shipped tokenizer), which used to stop `train` with its defaults.
/// </summary>
public class SftOverflowTests
{
    private static readonly string Train = Path.Combine(Shared.Root, "data", "debian-descriptions", "train.jsonl");
    private static Tokenizer Tok => Tokenizer.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));

    [Fact]
    public void TheDefaultTruncatesTheSourceKeepsTheAnswerAndTheTemplateTailAndCounts()
    {
        var tok = Tok;
        var o = new SftDataOptions { Limit = 20 };
        var examples = SftDataset.Load(Train, tok, o, out var report);
        Assert.Equal(new SftOverflowReport(1, 0), report);
        Assert.Equal(20, examples.Count);
        var cut = Assert.Single(examples, e => e.Cut);
        Assert.Equal(18, cut.Line);

        var pair = JsonlReader.ReadPairs(Train, limit: 18)[17];
        var fullPrompt = tok.Encode(SftDataset.PairPrompt(o.PairTemplate, pair.Source));
        int[] answer = [.. tok.Encode(" " + pair.Summary.Trim(), false), tok.EosTokenId!.Value];
        Assert.True(fullPrompt.Length + answer.Length > 512, "line 18 must be over the default --max-length for this test to mean anything");

        Assert.True(cut.Length <= 512);
        Assert.Equal(answer, cut.Segments[1].Tokens);            // the answer is whole
        var prompt = tok.Decode(cut.Segments[0].Tokens, skipSpecialTokens: true);
        Assert.EndsWith("Description:", prompt);                  // the template's tail is whole
        // The prompt is the template rendered around a word-boundary prefix of the source, tokenized as at inference.
        var words = pair.Source.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int k = Enumerable.Range(1, words.Length).Last(n => tok.Encode(SftDataset.PairPrompt(o.PairTemplate, Prefix(pair.Source, n))).Length + answer.Length <= 512);
        Assert.Equal(tok.Encode(SftDataset.PairPrompt(o.PairTemplate, Prefix(pair.Source, k))), cut.Segments[0].Tokens);
        // Every other example is exactly what it would be without a limit.
        var untouched = SftDataset.Load(Train, tok, o with { MaxLength = 4096 });
        Assert.All(examples.Where(e => !e.Cut), e => Assert.Equal(untouched.Single(u => u.Line == e.Line).Segments.SelectMany(s => s.Tokens), e.Segments.SelectMany(s => s.Tokens)));
    }

    // The source up to the end of its n-th word (as the truncation cuts: at whitespace, trailing space trimmed).
    private static string Prefix(string source, int n)
    {
        int i = 0, seen = 0;
        while (i < source.Length)
        {
            while (i < source.Length && char.IsWhiteSpace(source[i])) i++;
            if (i == source.Length) break;
            while (i < source.Length && !char.IsWhiteSpace(source[i])) i++;
            if (++seen == n) return source[..i];
        }
        return source;
    }

    [Fact]
    public void SkipAndErrorAreStillAvailableAndAnAnswerTooLongIsAnError()
    {
        var tok = Tok;
        var skipped = SftDataset.Load(Train, tok, new SftDataOptions { Limit = 20, Overflow = "skip" }, out var report);
        Assert.Equal(new SftOverflowReport(0, 1), report);
        Assert.DoesNotContain(skipped, e => e.Line == 18);
        var e = Assert.Throws<SharpTuneException>(() => SftDataset.Load(Train, tok, new SftDataOptions { Limit = 20, Overflow = "error" }));
        Assert.StartsWith($"{Train}:18: example is ", e.Message);
        var tooShort = Assert.Throws<SharpTuneException>(() => SftDataset.Load(Train, tok, new SftDataOptions { Limit = 1, MaxLength = 8 }));
        Assert.Contains(":1: example cannot be truncated to --max-length 8 tokens (the prompt template and answer alone are", tooShort.Message);
    }
}
