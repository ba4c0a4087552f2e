namespace SharpTune.Generation;

/// <summary>One prompt's continuation: the new token ids, why it stopped (eos, stop, length), and its text when a tokenizer was given (cut before any stop string).</summary>
public sealed record GenerationResult(int[] Tokens, string FinishReason, string? Text);
