using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// The causal-LM loss of <see cref="CausalLmLoss"/> computed from the final hidden states and the output head
/// a few rows at a time, so the [B·T, vocab] fp32 logits (200 MB for SmolLM2 at 4 × 256, 620 MB for Qwen2.5), their
/// shifted copy, the saved log-softmax and their gradients never exist whole. Each chunk's gradient is made in the
/// forward (softmax − one-hot, over the number of counted labels) and multiplied back through the head at once, so
/// the head costs the same two matmuls as under autograd (three when the head trains) and only [B·T, hidden] is kept.
/// The returned loss equals the plain mean (up to summation order); its backward delivers those gradients through a
/// zero-valued surrogate (Σ h·∂h + Σ W·∂W, minus itself detached).
/// </summary>
public static class ChunkedCrossEntropy
{
    /// <summary>
    /// About this many bytes of fp32 logits per chunk. Each chunk reads the whole head matrix twice (logits, then the
    /// hidden states' gradient), so small chunks of a large vocabulary pay in weight traffic and thin GEMMs: at 16 MB,
    /// Qwen2.5's 152k vocabulary gave 27-row chunks and the head + loss took 8.6 s of an 18.9 s LoRA step (4 × 256;
    /// `bench train --breakdown`). 64 MB gives 108 rows there and 341 for SmolLM2's 49k, still a fraction of the
    /// whole logits (620 MB for Qwen2.5 at 4 × 256, before their copies and gradients).
    /// </summary>
    public const long ChunkBytes = 64L << 20;

    /// <param name="hidden">[B, T, H] final hidden states.</param>
    /// <param name="weight">[V, H] output head (the embedding when tied).</param>
    /// <param name="labels">[B, T]; position t predicts label t+1; −100 is not counted.</param>
    public static Tensor Compute(Tensor hidden, Tensor weight, Tensor labels, long chunkBytes = ChunkBytes)
    {
        long t = hidden.shape[1], h = hidden.shape[2], v = weight.shape[0];
        var hs = hidden.narrow(1, 0, t - 1).reshape(-1, h);
        var ys = labels.narrow(1, 1, t - 1).reshape(-1).to(hidden.device);
        bool grad = is_grad_enabled();
        bool needHidden = grad && hidden.requires_grad, needWeight = grad && weight.requires_grad;
        long n = hs.shape[0], rows = Math.Max(1, chunkBytes / (v * 4));
        Tensor loss, gradHidden, gradWeight;
        using (no_grad())
        {
            var valid = ys.ne(CausalLmLoss.IgnoreIndex);
            var count = valid.sum().to_type(ScalarType.Float32);
            var safe = ys.masked_fill(valid.logical_not(), 0).unsqueeze(1);
            var h0 = hs.detach();
            var w = weight.detach();
            var sum = zeros([], ScalarType.Float32, hidden.device);
            gradHidden = needHidden ? empty_like(h0) : empty(0);
            gradWeight = needWeight ? zeros_like(w, dtype: ScalarType.Float32) : empty(0);
            for (long s = 0; s < n; s += rows)
            {
                using var scope = NewDisposeScope();
                long m = Math.Min(rows, n - s);
                var hc = h0.narrow(0, s, m);
                var vc = valid.narrow(0, s, m);
                var yc = safe.narrow(0, s, m);
                var logp = nn.functional.linear(hc, w).to_type(ScalarType.Float32).log_softmax(-1);
                sum.sub_(logp.gather(1, yc).squeeze(1).masked_fill(vc.logical_not(), 0).sum());
                if (!needHidden && !needWeight) continue;
                // ∂loss/∂logits = (softmax − one-hot) / count on counted rows, 0 on the others.
                var d = logp.exp_();
                d.scatter_add_(1, yc, vc.to_type(ScalarType.Float32).neg().unsqueeze(1));
                d.mul_((vc.to_type(ScalarType.Float32) / count).unsqueeze(1));
                var dm = d.to_type(w.dtype);
                if (needHidden) gradHidden.narrow(0, s, m).copy_(dm.matmul(w));
                if (needWeight) gradWeight.add_(dm.t().matmul(hc).to_type(ScalarType.Float32));
            }
            loss = sum / count;
        }
        if (!needHidden && !needWeight) return loss;
        Tensor? surrogate = null;
        if (needHidden) surrogate = (hs * gradHidden).sum();
        if (needWeight)
        {
            var sw = (weight * gradWeight.to_type(weight.dtype)).sum();
            surrogate = surrogate is null ? sw : surrogate + sw;
        }
        return loss + (surrogate! - surrogate!.detach());
    }
}
