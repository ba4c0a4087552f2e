namespace SharpTune.Engine;

/// <summary>
/// A piece of a request's output. <see cref="Text"/> is only text that can no longer become part of a stop string
/// and never half of a multi-byte character; the concatenated pieces are the final text (stop string excluded).
/// The last piece has <see cref="FinishReason"/> "stop" (EOS or a stop string) or "length", as OpenAI reports them.
/// </summary>
public sealed record EngineOutput(string Text, IReadOnlyList<int> Tokens, string? FinishReason, int PromptTokens, int CompletionTokens);
