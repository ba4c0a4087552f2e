using System.Text;
using SharpTune.Engine;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

public class StreamingDetokenizerTests
{
    // A toy vocabulary: id i decodes to Pieces[i]. Stop-string logic does not depend on the tokenizer.
    private static readonly string[] Pieces = ["Hello", " ", "wor", "ld", "#", "##", "#y", "x", "E", "ND", "!", "\n", "EN", "D", "N", "V"];
    private static string Toy(IReadOnlyList<int> ids) => string.Concat(ids.Select(i => Pieces[i]));

    private static List<string> Stream(StreamingDetokenizer d, IEnumerable<int> ids, bool finish = true)
    {
        var pieces = ids.Select(d.Push).ToList();
        if (finish) pieces.Add(d.Finish());
        return pieces;
    }

    [Fact]
    public void StopStringSplitAcrossTokensEndsTheTextBeforeIt()
    {
        var d = new StreamingDetokenizer(Toy, ["END"]);
        // "Hello" " " "E" "ND" "!": the stop arrives in two tokens; nothing of it is ever shown.
        var pieces = Stream(d, [0, 1, 8, 9, 10]);
        Assert.Equal(["Hello", " ", "", "", "", ""], pieces);
        Assert.True(d.Stopped);
        Assert.Equal("Hello ", d.Emitted);
    }

    [Fact]
    public void StopPrefixThatIsNoStopIsReleasedLater()
    {
        var d = new StreamingDetokenizer(Toy, ["###"]);
        // "Hello" "#" "#" " " "wor": "##" could start "###" until the space shows it does not.
        var pieces = Stream(d, [0, 4, 4, 1, 2], finish: false);
        Assert.Equal(["Hello", "", "", "## ", "wor"], pieces);
        Assert.False(d.Stopped);
        // A held prefix at the very end is released by Finish.
        var e = new StreamingDetokenizer(Toy, ["###"]);
        Assert.Equal(["x", "", "##"], Stream(e, [7, 5]));
        Assert.Equal("x##", e.Emitted);
    }

    [Fact]
    public void AHeldPrefixGrowingOverSeveralTokensIsReleasedWhole()
    {
        // "x" " " "E" "N" "V": "E", then "EN", could start "END"; "V" shows it does not, and "ENV" comes out at once.
        var d = new StreamingDetokenizer(Toy, ["END"]);
        Assert.Equal(["x", " ", "", "", "ENV", ""], Stream(d, [7, 1, 8, 14, 15]));
        Assert.False(d.Stopped);
    }

    [Fact]
    public void FinalTextNeverContainsTheStop()
    {
        // "x" "##" "#y": the stop "###" straddles two tokens and is followed by more text in the same token.
        var d = new StreamingDetokenizer(Toy, ["###"]);
        Assert.Equal("x", string.Concat(Stream(d, [7, 5, 6])));
        Assert.True(d.Stopped);
        // The earliest of several stops wins, whichever is listed first.
        var e = new StreamingDetokenizer(Toy, ["ld", "wor"]);
        Assert.Equal("Hello ", string.Concat(Stream(e, [0, 1, 2, 3])));
    }

    // Against the plain definition: decode everything, cut at the first stop. Every piece must be final (each
    // running concatenation is a prefix of the reference) and together they must be the reference.
    [Fact]
    public void RandomStreamsAgreeWithDecodeThenCut()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 2000; trial++)
        {
            var ids = Enumerable.Range(0, rng.Next(1, 12)).Select(_ => rng.Next(Pieces.Length)).ToArray();
            string[][] stopSets = [[], ["END"], ["###"], ["\n"], ["ld!", "#E"], ["Hello wor"]];
            var stops = stopSets[rng.Next(stopSets.Length)];
            var full = Toy(ids);
            int cut = stops.Select(s => full.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(full.Length).Min();
            var expected = full[..cut];
            var d = new StreamingDetokenizer(Toy, stops);
            var shown = new StringBuilder();
            foreach (var id in ids)
            {
                shown.Append(d.Push(id));
                Assert.StartsWith(shown.ToString(), expected);
            }
            shown.Append(d.Finish());
            Assert.Equal(expected, shown.ToString());
            Assert.Equal(cut < full.Length, d.Stopped);
        }
    }

    private static Tokenizer Base => Tokenizer.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));

    // Byte-level BPE: every byte has a token of its own, so a character can be spread over several tokens.
    private static int[] ByteTokens(Tokenizer tok, string text) =>
        Encoding.UTF8.GetBytes(text).Select(b => tok.TokenToId(ByteLevelChar(b))!.Value).ToArray();

    private static string ByteLevelChar(byte b)
    {
        // GPT-2's byte alphabet: printable Latin-1 bytes are themselves, the rest are shifted past 255.
        var direct = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range('¡', '¬' - '¡' + 1)).Concat(Enumerable.Range('®', 'ÿ' - '®' + 1)).ToList();
        if (direct.Contains(b)) return ((char)b).ToString();
        int n = 0;
        for (int i = 0; i < b; i++) if (!direct.Contains(i)) n++;
        return ((char)(256 + n)).ToString();
    }

    [Theory]
    [InlineData("é")]
    [InlineData("😀")]
    [InlineData("naïve 😀 ok")]
    public void MultiByteCharactersSplitAcrossTokensAreNeverSplitInTheOutput(string text)
    {
        var tok = Base;
        var ids = ByteTokens(tok, text);
        Assert.True(ids.Length > text.Length, "the characters must really be spread over several tokens");
        var d = new StreamingDetokenizer(x => tok.Decode(x, skipSpecialTokens: true));
        var pieces = Stream(d, ids);
        Assert.Equal(text, string.Concat(pieces));
        foreach (var p in pieces)
        {
            Assert.DoesNotContain('\uFFFD', p);
            Assert.True(p.Length == 0 || !char.IsHighSurrogate(p[^1]), "a piece ends in half a surrogate pair");
        }
        // The emoji's four bytes give nothing until the last one.
        if (text == "😀") Assert.Equal(["", "", "", "😀", ""], pieces);
    }

    [Fact]
    public void IncompleteBytesAtTheEndAreReleasedAsReplacementCharacter()
    {
        var tok = Base;
        var ids = ByteTokens(tok, "a😀")[..3];   // "a" and half the emoji
        var d = new StreamingDetokenizer(x => tok.Decode(x));
        Assert.Equal(tok.Decode(ids), string.Concat(Stream(d, ids)));
    }

    [Fact]
    public void RealTokenizerStreamsEqualTheWholeDecode()
    {
        var tok = Base;
        var text = "Fine-tuning changes a model's weights; prompt tuning — «ça va» — leaves them. 日本語 😀👍🏽 done.";
        var ids = tok.Encode(text, addSpecialTokens: false);
        var d = new StreamingDetokenizer(x => tok.Decode(x, skipSpecialTokens: true), ["done"]);
        var shown = string.Concat(Stream(d, ids));
        Assert.Equal(text[..text.IndexOf("done", StringComparison.Ordinal)], shown);
    }
}
