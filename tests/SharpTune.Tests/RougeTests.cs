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
}
