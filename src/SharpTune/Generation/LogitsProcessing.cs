using static TorchSharp.torch;

namespace SharpTune.Generation;

/// <summary>The logits transforms of HF generate, on float32 logits [B, V].</summary>
public static class LogitsProcessing
{
    /// <summary>CTRL-style penalty on every token already present in the row: positive logits ÷ p, negative × p.</summary>
    public static Tensor RepetitionPenalty(Tensor logits, Tensor seenIds, double penalty)
    {
        var score = logits.gather(1, seenIds);
        score = where(score < 0, score * penalty, score / penalty);
        return logits.scatter(1, seenIds, score);
    }

    public static Tensor TopK(Tensor logits, int k)
    {
        if (k <= 0 || k >= logits.shape[1]) return logits;
        var kth = logits.topk(k, dim: 1).values.narrow(1, k - 1, 1);
        return logits.masked_fill(logits < kth, double.NegativeInfinity);
    }

    /// <summary>Nucleus filtering: drop the least likely tokens whose total probability is ≤ 1 − p, keeping at least one.</summary>
    public static Tensor TopP(Tensor logits, double p)
    {
        if (p >= 1.0) return logits;
        var (sorted, indices) = logits.sort(dim: 1, descending: false);
        var cumulative = sorted.softmax(1).cumsum(1);
        var remove = cumulative <= (1 - p);
        remove.narrow(1, remove.shape[1] - 1, 1).fill_(false);
        var removeOriginal = remove.scatter(1, indices, remove);
        return logits.masked_fill(removeOriginal, double.NegativeInfinity);
    }
}
