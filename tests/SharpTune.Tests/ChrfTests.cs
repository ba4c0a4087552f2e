using SharpTune.Evaluation;

namespace SharpTune.Tests;

/// <summary>
/// chrF against sacrebleu 2.x's own published test vectors (its test/test_chrf.py: corpus scores with beta 3,
/// with and without eps smoothing, with whitespace kept, and sentence scores with the defaults), plus a case
/// worked by hand.
/// </summary>
public class ChrfTests
{
    private const double Epsilon = 1e-4; // sacrebleu's own tolerance for these vectors

    public static TheoryData<string[], string[], double> EpsSmoothed => new()
    {
        { ["abcdefg"], ["hijklmnop"], 0.0 },
        { ["a"], ["b"], 0.0 },
        { [""], ["b"], 0.0 },
        { [""], ["ref"], 0.0 },
        { [""], ["reference"], 0.0 },
        { ["aa"], ["ab"], 8.3333 },
        { ["a", "b"], ["a", "c"], 8.3333 },
        { ["a"], ["a"], 16.6667 },
        { ["a b c"], ["a b c"], 50.0 },
        { ["a b c"], ["abc"], 50.0 },
        { [" risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists ."],
          ["risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists ."], 63.361730 },
        { [" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "],
          ["Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."], 64.1302698 },
        { ["Niemand hat die Absicht, eine Mauer zu errichten"], ["Niemand hat die Absicht, eine Mauer zu errichten"], 100.0 },
    };

    [Theory]
    [MemberData(nameof(EpsSmoothed))]
    public void CorpusScoresWithEpsSmoothingMatchSacrebleu(string[] hyps, string[] refs, double expected) =>
        Assert.Equal(expected, new Chrf(Beta: 3, EpsSmoothing: true).Corpus(hyps, refs), Epsilon);

    public static TheoryData<string[], string[], double> EffectiveOrder => new()
    {
        { ["a"], ["a"], 100.0 },
        { [""], ["reference"], 0.0 },
        { ["a b c"], ["a b c"], 100.0 },
        { ["a b c"], ["abc"], 100.0 },
        { [""], ["c"], 0.0 },
        { ["a", "b"], ["a", "c"], 50.0 },
        { ["aa"], ["ab"], 25.0 },
    };

    [Theory]
    [MemberData(nameof(EffectiveOrder))]
    public void CorpusScoresWithEffectiveOrderMatchSacrebleu(string[] hyps, string[] refs, double expected) =>
        Assert.Equal(expected, new Chrf(Beta: 3).Corpus(hyps, refs), Epsilon);

    [Theory]
    [InlineData("Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.",
                "Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.", 67.3481606)]
    [InlineData("risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .",
                "risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .", 65.2414427)]
    public void KeepingWhitespaceMatchesSacrebleu(string hyp, string refr, double expected) =>
        Assert.Equal(expected, new Chrf(Beta: 3, KeepWhitespace: true).Corpus([hyp], [refr]), Epsilon);

    [Theory]
    [InlineData("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
                "Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.", 39.14078509)]
    [InlineData("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
                "A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.", 31.22557079)]
    [InlineData("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
                "Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.", 57.15704367)]
    public void SentenceScoresWithDefaultBetaMatchSacrebleu(string hyp, string refr, double expected) =>
        Assert.Equal(expected, new Chrf(EpsSmoothing: true).Sentence(hyp, refr), Epsilon);

    [Fact]
    public void CorpusSumsStatisticsRatherThanAveragingSentences()
    {
        // By hand, chrF with char order 1 and beta 1 (plain F1 of character unigrams):
        // "ab"/"ab": 2 matches of 2|2; "xyz"/"x": 1 match, hyp 3, ref 1. Summed: P = 3/5, R = 3/3 → F1 = 0.75.
        var chrf = new Chrf(CharOrder: 1, Beta: 1);
        Assert.Equal(75.0, chrf.Corpus(["ab", "xyz"], ["ab", "x"]), 1e-9);
        // The mean of sentence scores would be (100 + 50) / 2 = 75 too only by accident; this pair separates them:
        // "a"/"a" (100) and "bcd"/"b" (P 1/3, R 1 → 50): summed P = 2/4, R = 2/2 → F1 = 66.67, mean = 75.
        Assert.Equal(200.0 / 3, chrf.Corpus(["a", "bcd"], ["a", "b"]), 1e-9);
    }

    [Fact]
    public void AstralCharactersCountAsOneCharacterAsInPython()
    {
        // "😀a" is 2 code points (3 UTF-16 units): unigrams {😀, a}, one bigram. Against "😀b": 1 of 2 unigrams
        // match, no bigram: P = R = 1/2 at order 1 and 0 at order 2 → averaged 1/4 each → F = 25 (any beta).
        Assert.Equal(25.0, new Chrf(CharOrder: 2).Sentence("😀a", "😀b"), 1e-9);
    }
}
