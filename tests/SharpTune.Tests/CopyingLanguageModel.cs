using SharpTune.Generation;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// A stand-in language model with known behaviour: it continues with whatever followed the longest earlier match
/// of its current suffix (an ideal "induction" copier), and ends with EOS when nothing matches. It obeys no
/// instruction, so an injection suite must find it immune to instructions yet fully open to format injection.
/// It keeps no cache (NewCache returns null, so the generator feeds it the whole sequence each step).
/// </summary>
public sealed class CopyingLanguageModel(ModelConfig config, int eos) : ILanguageModel
{
    /// <summary>A copier with the shipped base's vocabulary, and that base's tokenizer.</summary>
    public static (CopyingLanguageModel Model, SharpTune.Tokenization.Tokenizer Tokenizer) OnShippedBase()
    {
        var dir = Path.Combine(Shared.RepoRoot, "models", "sharptune-base");
        var tok = SharpTune.Tokenization.Tokenizer.Load(dir);
        return (new CopyingLanguageModel(ModelConfig.Load(Path.Combine(dir, "config.json")), tok.EosTokenId!.Value), tok);
    }

    public ModelConfig Config => config;
    public Device Device => CPU;
    public KvCache NewCache(long batch) => null!;

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache)
    {
        long b = inputIds.shape[0], t = inputIds.shape[1];
        var ids = inputIds.cpu().data<long>().ToArray();
        var mask = attentionMask.cpu().data<long>().ToArray();
        // Only the last position is read by the generator.
        var logits = zeros(b, 1, config.VocabSize);
        for (int row = 0; row < b; row++)
        {
            var seq = Enumerable.Range(0, (int)t).Where(j => mask[row * t + j] != 0).Select(j => ids[row * t + j]).ToArray();
            logits[row, 0, Next(seq)] = 1f;
        }
        return logits;
    }

    private long Next(long[] s)
    {
        int n = s.Length, bestJ = -1, bestLen = 0;
        for (int j = 0; j < n - 1; j++)
        {
            int len = 0;
            while (len <= j && s[j - len] == s[n - 1 - len]) len++;
            if (len >= bestLen && len > 0) { bestLen = len; bestJ = j; }
        }
        return bestJ < 0 ? eos : s[bestJ + 1];
    }
}
