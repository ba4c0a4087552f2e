using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Evaluation;

/// <summary>
/// Perplexity of a causal LM on plain-text documents, measured the way pretraining measures its dev split:
/// each document followed by end-of-text, all of it cut into non-overlapping blocks (the first token of a block
/// has no context and is not scored; the tail shorter than a block is scored too). One definition, so the
/// figure in a model card can be reproduced from the shipped weights.
/// </summary>
public static class CorpusPerplexity
{
    public sealed record Result(double Loss, long Tokens, long ScoredTokens)
    {
        public double Perplexity => Math.Exp(Loss);
    }

    public static PackedLmSource Source(IEnumerable<string> documents, Tokenizer tok, int blockSize, Device device, int batchSize = 8)
    {
        int eot = tok.EosTokenId ?? throw new IO.SharpTuneException("the tokenizer names no eos_token (needed between documents)");
        return new PackedLmSource(documents.AsParallel().AsOrdered().Select(d => tok.Encode(d, false)), eot, blockSize, batchSize, 0, device, evaluationOnly: true);
    }

    public static Result Compute(CausalLM model, PackedLmSource source)
    {
        double loss = Trainer.Evaluate(source.Sequential(), b => CausalLmLoss.Compute(model.Forward(b.InputIds), b.Labels), t => model.train(t));
        return new Result(loss, source.TotalTokens, source.ScoredTokens);
    }
}
