using SharpTune.Tokenization;

namespace SharpTune.Engine;

/// <summary>
/// How callers of an engine turn messages and text into prompt ids, in one place so every front end (server, chat
/// client, summarize) encodes the same way. The engine helper's split-special encoding (user text never forms
/// special tokens, only the template's own markers do) replaces the plain Encode here when it lands.
/// </summary>
public static class EnginePrompts
{
    /// <summary>A conversation through the tokenizer's chat template, ending with the assistant's turn opened.</summary>
    public static int[] Chat(Tokenizer tokenizer, IEnumerable<ChatMessage> messages) =>
        tokenizer.Encode(tokenizer.Render(messages, addGenerationPrompt: true), addSpecialTokens: false);

    /// <summary>A raw completion prompt.</summary>
    public static int[] Text(Tokenizer tokenizer, string text) => tokenizer.Encode(text);
}
