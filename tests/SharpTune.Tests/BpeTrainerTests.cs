using SharpTune.Data;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests;

public class BpeTrainerTests
{
    private static readonly string[] Corpus = JsonlReader.ReadPairs(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl"), limit: 200)
        .Select(DebianStanza.Format).ToArray();

    [Fact]
    public void TrainingIsDeterministicAndRoundTrips()
    {
        var a = Shared.TempDir();
        var b = Shared.TempDir();
        BpeTrainer.Train(Corpus, new BpeTrainerOptions { VocabSize = 700 }, a);
        BpeTrainer.Train(Corpus, new BpeTrainerOptions { VocabSize = 700 }, b);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "tokenizer.json")), File.ReadAllBytes(Path.Combine(b, "tokenizer.json")));
        var tok = Tokenizer.Load(a);
        Assert.Equal(700, tok.VocabSize);
        Assert.Equal(0, tok.EosTokenId);
        foreach (var text in Corpus.Take(50).Append("Ünïcode ✓ 𝐇 <|im_start|>user\nhi<|im_end|> 12345"))
            Assert.Equal(text, tok.Decode(tok.Encode(text)));
        // Merges shorten text: a trained vocabulary encodes the corpus in far fewer tokens than bytes.
        long bytes = Corpus.Sum(c => System.Text.Encoding.UTF8.GetByteCount(c)), tokens = Corpus.Sum(c => tok.Encode(c).Length);
        Assert.True(tokens < bytes * 0.6, $"{tokens} tokens for {bytes} bytes");
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", tok.Render([new ChatMessage("user", "hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void FirstMergeIsTheMostFrequentPair()
    {
        var dir = Shared.TempDir();
        string[] texts = ["aaab aaab", "aab"];
        BpeTrainer.Train(texts, new BpeTrainerOptions { VocabSize = 262, SpecialTokens = ["<eos>"], MinFrequency = 1 }, dir);
        var tok = Tokenizer.Load(dir);
        // Words: "aaab"×2 (pairs aa×2, ab), "Ġaaab"... the split keeps the space with the word; "aa" occurs most.
        Assert.Equal(("a", "a"), tok.Model.MergeList[0]);
    }
}
