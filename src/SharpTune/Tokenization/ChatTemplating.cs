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
