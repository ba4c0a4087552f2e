using SharpTune.Engine;
using SharpTune.Tokenization;

namespace SharpTune.Serving;

/// <summary>
/// The single-chunk summary prompt of /v1/summarize: the text cut to what the context leaves. The map-reduce of
/// src/SharpTune/Retelling (summaries of chunks, then of the summaries) replaces the cut when it lands.
/// </summary>
public static class SummaryPrompt
{
    public const string Instruction = "Summarize the following text in one sentence.\n\n";

    public static (int[] Prompt, bool Truncated) Build(Tokenizer tok, string text, int budget)
    {
        int[] Render(string t) => tok.ChatTemplate is not null
            ? EnginePrompts.Chat(tok, [new ChatMessage("user", Instruction + t)])
            : EnginePrompts.Text(tok, Instruction + t + "\n\nSummary:");
        var prompt = Render(text);
        if (prompt.Length <= budget) return (prompt, false);
        int overhead = Render("").Length;
        var ids = tok.Encode(text, addSpecialTokens: false);
        int keep = budget - overhead;
        if (keep < 1) throw new IO.SharpTuneException($"the model's context leaves no room for the text ({budget} tokens for prompt)");
        // Decoding a token prefix and encoding it again can merge differently: shrink until it fits.
        while (keep > 0)
        {
            prompt = Render(tok.Decode(ids[..Math.Min(keep, ids.Length)], skipSpecialTokens: true));
            if (prompt.Length <= budget) return (prompt, true);
            keep -= Math.Max(1, prompt.Length - budget);
        }
        throw new IO.SharpTuneException("the text could not be cut to fit the model's context");
    }
}
