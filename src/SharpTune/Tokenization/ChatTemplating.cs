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
    /// forge a turn. The template is rendered with a unique sentinel in place of each content, the rendering is split
    /// at the sentinels, and the template's pieces are encoded with special tokens recognised, the contents without.
    /// </summary>
    public static int[] EncodeChat(this Tokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        // Sentinels made of private-use characters and a random tag, so no template text or content contains one.
        string tag = Guid.NewGuid().ToString("N");
        var sentinels = messages.Select((_, i) => $"\uE000{tag}:{i}\uE001").ToArray();
        var rendered = tokenizer.Render(messages.Select((m, i) => m with { Content = sentinels[i] }), addGenerationPrompt, extra);
        var parts = new List<TextPart>();
        int at = 0;
        while (at < rendered.Length)
        {
            int next = rendered.IndexOf("\uE000" + tag + ":", at, StringComparison.Ordinal);
            if (next < 0) { parts.Add(new TextPart(rendered[at..], Trusted: true)); break; }
            int end = rendered.IndexOf('\uE001', next);
            if (next > at) parts.Add(new TextPart(rendered[at..next], Trusted: true));
            int index = int.Parse(rendered.AsSpan(next + 1 + tag.Length + 1, end - (next + 1 + tag.Length + 1)));
            parts.Add(new TextPart(messages[index].Content, Trusted: false));
            at = end + 1;
        }
        // A template that transforms the content (trims it, say) does not pass the sentinel through unchanged; its
        // rendering with the real contents then differs from the reassembled one, and guessing would be unsafe.
        var real = tokenizer.Render(messages, addGenerationPrompt, extra);
        if (string.Concat(parts.Select(p => p.Text)) != real)
            throw new SharpTuneException("tokenizer_config.json: chat_template changes message contents, so they cannot be encoded apart from its special tokens");
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
