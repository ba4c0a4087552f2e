using SharpTune.Tokenization;

namespace SharpTune.Engine;

/// <summary>
/// How callers of an engine turn messages and text into prompt ids, in one place so every front end (server, chat
/// client, summarize) encodes the same way. Text from users or pages never forms special tokens: "&lt;|im_start|&gt;"
/// in a message or a completion prompt is ordinary text, so it cannot forge a chat turn; only the chat template's own
/// markers (and the tokenizer's BOS) are special.
/// </summary>
public static class EnginePrompts
{
    /// <summary>A conversation through the tokenizer's chat template, ending with the assistant's turn opened.</summary>
    public static int[] Chat(Tokenizer tokenizer, IEnumerable<ChatMessage> messages) =>
        tokenizer.EncodeChat(messages.ToList(), addGenerationPrompt: true);

    /// <summary>A raw completion prompt.</summary>
    public static int[] Text(Tokenizer tokenizer, string text) => tokenizer.Encode(text, splitSpecialTokens: true);
}
