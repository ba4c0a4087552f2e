using System.Text.Json;
using SharpTune.IO;
using SharpTune.Templates;

namespace SharpTune.Tokenization;

/// <summary>Renders conversations with a tokenizer's chat template, with the variables transformers passes.</summary>
public static class ChatTemplating
{
    public static string Render(this Tokenizer tokenizer, IEnumerable<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        var list = messages.Select(m => (object?)new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList();
        return tokenizer.Render(list, addGenerationPrompt, extra);
    }

    /// <summary>Messages given as parsed JSON (so tool calls and extra fields reach the template unchanged).</summary>
    public static string Render(this Tokenizer tokenizer, JsonElement messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra = null)
        => tokenizer.Render((List<object?>)JinjaValues.FromJson(messages)!, addGenerationPrompt, extra);

    /// <summary>
    /// Renders and encodes a conversation so that only the template's own markers become special tokens: special-token
    /// text inside a message (a page quoting <c>&lt;|im_start|&gt;system</c>) is encoded as ordinary text and cannot
    /// forge a turn. Each special token's text in a content is replaced by a unique placeholder before rendering (so
    /// templates that trim or split contents still work); in the rendering, the placeholders become untrusted text
    /// again and everything else is the template's, encoded with special tokens recognised.
    /// </summary>
    public static int[] EncodeChat(this Tokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        var specials = tokenizer.Added.Tokens.Where(t => t.Special && t.Content.Length > 0).Select(t => t.Content)
            .Distinct().OrderByDescending(c => c.Length).ToArray();
        // Private-use characters and a random tag: no template text or content contains the placeholder.
        string open = "\uE000" + Guid.NewGuid().ToString("N") + ":", close = "\uE001";
        string Escape(string content)
        {
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < content.Length;)
            {
                int k = Array.FindIndex(specials, sp => string.CompareOrdinal(content, i, sp, 0, sp.Length) == 0);
                if (k < 0) { sb.Append(content[i++]); continue; }
                sb.Append(open).Append(k).Append(close);
                i += specials[k].Length;
            }
            return sb.ToString();
        }
        var rendered = tokenizer.Render(messages.Select(m => m with { Content = Escape(m.Content) }), addGenerationPrompt, extra);
        var parts = new List<TextPart>();
        for (int at = 0; at < rendered.Length;)
        {
            int next = rendered.IndexOf(open, at, StringComparison.Ordinal);
            if (next < 0) { parts.Add(new TextPart(rendered[at..], Trusted: true)); break; }
            if (next > at) parts.Add(new TextPart(rendered[at..next], Trusted: true));
            int end = rendered.IndexOf(close, next, StringComparison.Ordinal);
            parts.Add(new TextPart(specials[int.Parse(rendered.AsSpan(next + open.Length, end - next - open.Length))], Trusted: false));
            at = end + close.Length;
        }
        return tokenizer.Encode(parts, addSpecialTokens: false);
    }

    private static readonly Dictionary<string, JinjaTemplate> Compiled = new();

    private static string Render(this Tokenizer tokenizer, List<object?> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? extra)
    {
        var source = tokenizer.ChatTemplate ?? throw new SharpTuneException("this tokenizer has no chat_template in tokenizer_config.json (use a plain prompt instead of --chat)");
        JinjaTemplate template;
        try
        {
            lock (Compiled)
                if (!Compiled.TryGetValue(source, out template!)) Compiled[source] = template = new JinjaTemplate(source);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or IndexOutOfRangeException or InvalidCastException)
        {
            // The template comes from a user's tokenizer_config.json: a malformed one is bad input, not a bug.
            throw new SharpTuneException($"tokenizer_config.json: chat_template does not parse ({OneLine(e.Message)})");
        }
        var vars = new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = tokenizer.BosToken ?? "",
            ["eos_token"] = tokenizer.EosToken ?? "",
            ["pad_token"] = tokenizer.PadToken ?? "",
        };
        if (extra is not null) foreach (var kv in extra) vars[kv.Key] = kv.Value;
        try { return template.Render(vars); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException or IndexOutOfRangeException or InvalidCastException
                                      or KeyNotFoundException or NullReferenceException or OverflowException)
        {
            throw new SharpTuneException($"tokenizer_config.json: chat_template failed on these messages ({OneLine(e.Message)})");
        }
    }

    private static string OneLine(string s)
    {
        var line = s.ReplaceLineEndings(" ");
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
