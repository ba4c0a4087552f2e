namespace SharpTune.Generation;

/// <summary>
/// Decoding settings with Hugging Face semantics. Greedy unless <see cref="DoSample"/>; when sampling,
/// the logits pass repetition penalty → temperature → top-k → top-p, in that order, as in transformers.
/// </summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 128;
    public bool DoSample { get; init; }
    public double Temperature { get; init; } = 1.0;
    public int TopK { get; init; }
    public double TopP { get; init; } = 1.0;
    public double RepetitionPenalty { get; init; } = 1.0;
    /// <summary>Generation ends for a row once its decoded text contains one of these (needs a tokenizer).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];
    /// <summary>End-of-sequence ids; null takes them from the model config, empty disables EOS.</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }
    public int PadTokenId { get; init; }
    public long? Seed { get; init; }
    /// <summary>False recomputes the whole sequence every step (for checking the cache, and for benchmarks).</summary>
    public bool UseCache { get; init; } = true;

    public void Validate()
    {
        if (MaxNewTokens < 0) throw new IO.SharpTuneException($"max new tokens must be ≥ 0, got {MaxNewTokens}");
        if (DoSample && Temperature <= 0) throw new IO.SharpTuneException($"temperature must be > 0 when sampling, got {Temperature}");
        if (TopK < 0) throw new IO.SharpTuneException($"top-k must be ≥ 0, got {TopK}");
        if (TopP is <= 0 or > 1) throw new IO.SharpTuneException($"top-p must be in (0, 1], got {TopP}");
        if (RepetitionPenalty <= 0) throw new IO.SharpTuneException($"repetition penalty must be > 0, got {RepetitionPenalty}");
    }
}
