namespace SharpTune.Cli.Bench;

/// <summary>One timed generation: the prompt's prefill (up to its first token) and the decode steps after it.</summary>
public sealed record DecodeTiming(int PromptTokens, double PrefillSeconds, int DecodeTokens, double DecodeSeconds, int[] Tokens)
{
    public double PrefillTokensPerSecond => PromptTokens / PrefillSeconds;
    public double DecodeTokensPerSecond => DecodeTokens / DecodeSeconds;
}
