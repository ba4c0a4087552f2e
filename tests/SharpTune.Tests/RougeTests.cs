using SharpTune.Evaluation;

namespace SharpTune.Tests;

/// <summary>ROUGE against cases computed by hand from the definitions (Lin, 2004; rouge-score's tokenizer).</summary>
public class RougeTests
{
    private static void Near(double expected, double actual) => Assert.Equal(expected, actual, 1e-9);

    [Fact]
    public void UnigramBigramAndLcsOnAClassicPair()
    {
        const string reference = "the cat sat on the mat", candidate = "the cat on the mat";
        // Unigrams: the×2, cat, on, mat all in the reference → overlap 5; P = 5/5, R = 5/6, F = 10/11.
        var r1 = Rouge.N(candidate, reference, 1);
        Near(1.0, r1.Precision); Near(5.0 / 6, r1.Recall); Near(10.0 / 11, r1.F1);
        // Bigrams: candidate {the cat, cat on, on the, the mat}, reference adds {cat sat, sat on} → overlap 3; P = 3/4, R = 3/5.
        var r2 = Rouge.N(candidate, reference, 2);
        Near(0.75, r2.Precision); Near(0.6, r2.Recall); Near(2 * 0.75 * 0.6 / 1.35, r2.F1);
        // LCS = "the cat on the mat" (5): P = 1, R = 5/6.
        var rl = Rouge.L(candidate, reference);
        Near(1.0, rl.Precision); Near(5.0 / 6, rl.Recall); Near(10.0 / 11, rl.F1);
    }

    [Fact]
    public void CountsAreClippedAndOrderMattersOnlyForLcs()
    {
        // Candidate repeats "the" three times; the reference has it twice: clipped overlap 2 + cat = 3 of 4.
        var r1 = Rouge.N("the the the cat", "the cat the dog", 1);
        Near(0.75, r1.Precision); Near(0.75, r1.Recall);
        // Reversed words: every unigram matches, LCS is 1 of 3.
        Near(1.0, Rouge.N("c b a", "a b c", 1).F1);
        Near(1.0 / 3, Rouge.L("c b a", "a b c").F1);
        Near(0.0, Rouge.N("c b a", "a b c", 2).F1);
    }

    [Fact]
    public void TokenizerLowercasesAndSplitsOnNonAlphanumerics()
    {
        Assert.Equal(new[] { "gnu", "c", "compiler", "v12", "x86", "64" }, Rouge.Tokenize("GNU C-compiler (v12), x86_64!"));
        Near(1.0, Rouge.L("Library for JSON", "library: for json.").F1);
        Near(0.0, Rouge.N("", "something", 1).F1);
        Near(0.0, Rouge.N("a", "a", 2).F1); // no bigrams on either side
    }

    [Fact]
    public void CorpusScoreIsTheMeanOfExampleF1()
    {
        var s = Rouge.Corpus([("the cat on the mat", "the cat sat on the mat"), ("x", "y")]);
        Near((10.0 / 11 + 0) / 2, s.Rouge1);
        Near((10.0 / 11 + 0) / 2, s.RougeL);
        Assert.Equal(2, s.Count);
    }

    [Fact]
    public void ReorderedPunctuatedPairMatchesHandComputedValues()
    {
        const string candidate = "Python-3 bindings for the GNU C library", reference = "GNU C library: Python 3 bindings";
        // Tokens: candidate python 3 bindings for the gnu c library (8); reference gnu c library python 3 bindings (6).
        // ROUGE-1: 6 shared → P 6/8, R 6/6, F 2·0.75·1/1.75 = 6/7.
        Near(6.0 / 7, Rouge.N(candidate, reference, 1).F1);
        // ROUGE-2: shared {python 3, 3 bindings, gnu c, c library} = 4 of 7 and of 5 → F 2·(4/7)(4/5)/(4/7+4/5) = 2/3.
        Near(2.0 / 3, Rouge.N(candidate, reference, 2).F1);
        // ROUGE-L: the LCS is "python 3 bindings" or "gnu c library" (3) → P 3/8, R 3/6, F = 3/7.
        Near(3.0 / 7, Rouge.L(candidate, reference).F1);
        // The independent scorer agrees on the same hand values.
        Near(6.0 / 7, RougeReference.NgramF1(candidate, reference, 1));
        Near(2.0 / 3, RougeReference.NgramF1(candidate, reference, 2));
        Near(3.0 / 7, RougeReference.LcsF1(candidate, reference));
    }

    [Fact]
    public void NoStemmingAsDocumented()
    {
        // rouge-score with use_stemmer=False (what SharpTune reports): inflections do not match. With the Porter
        // stemmer "libraries"/"library" and "tools"/"tool" would both be matches (F1 = 1).
        Near(0.0, Rouge.N("libraries tools", "library tool", 1).F1);
        Near(0.5, Rouge.N("libraries tool", "library tool", 1).F1);
    }

    [Fact]
    public void AgreesWithASeparatelyWrittenScorerOnRealSummaries()
    {
        // Real Debian synopses against the next package's synopsis and against their own description: thousands of
        // tokens with punctuation, digits, version strings and repeats, and many non-zero overlaps.
        var pairs = File.ReadLines(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl")).Take(400)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Select(e => (Summary: e.GetProperty("summary").GetString()!, Source: e.GetProperty("source").GetString()!)).ToList();
        var cases = pairs.Zip(pairs.Skip(1), (a, b) => (a.Summary, b.Summary))
            .Concat(pairs.Select(p => (p.Summary, string.Join(' ', p.Source.Split(' ').Take(40))))).ToList();
        int nonZero = 0;
        foreach (var (c, r) in cases)
        {
            Near(RougeReference.NgramF1(c, r, 1), Rouge.N(c, r, 1).F1);
            Near(RougeReference.NgramF1(c, r, 2), Rouge.N(c, r, 2).F1);
            Near(RougeReference.LcsF1(c, r), Rouge.L(c, r).F1);
            if (Rouge.N(c, r, 2).F1 > 0 && Rouge.L(c, r).F1 < Rouge.N(c, r, 1).F1) nonZero++;
        }
        Assert.True(nonZero > 50, $"only {nonZero} cases where bigrams overlap and the LCS is shorter than the unigram overlap");
        var (r1, r2, rl) = RougeReference.Corpus(cases);
        var s = Rouge.Corpus(cases);
        Near(r1, s.Rouge1); Near(r2, s.Rouge2); Near(rl, s.RougeL);
    }
}
