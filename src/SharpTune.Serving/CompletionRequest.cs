using System.Text.Json;
using SharpTune.Tokenization;

namespace SharpTune.Serving;

/// <summary>
/// The fields of a /v1/chat/completions or /v1/completions body SharpTune acts on, checked one by one so a bad value
/// is a 400 naming its field (OpenAI's <c>param</c>). Unknown fields are ignored, as OpenAI's own clients send extras.
/// vLLM's extensions top_k, repetition_penalty and ignore_eos are accepted too.
/// </summary>
public sealed record CompletionRequest
{
    public required string Model { get; init; }
    /// <summary>Chat: the conversation; null for a text completion.</summary>
    public IReadOnlyList<ChatMessage>? Messages { get; init; }
    /// <summary>Text completion: the prompt; null for chat.</summary>
    public string? Prompt { get; init; }
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }
    public int? MaxTokens { get; init; }
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public int TopK { get; init; }
    public double RepetitionPenalty { get; init; } = 1.0;
    public long? Seed { get; init; }
    public IReadOnlyList<string> Stop { get; init; } = [];
    public bool IgnoreEos { get; init; }

    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public static CompletionRequest Parse(JsonElement body, bool chat)
    {
        if (body.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest("the request body must be a JSON object");
        var model = String(body, "model") ?? throw ApiError.BadRequest("you must provide a model parameter", "model");
        IReadOnlyList<ChatMessage>? messages = null;
        string? prompt = null;
        if (chat) messages = ParseMessages(body);
        else prompt = ParsePrompt(body);
        int? n = Int(body, "n", 1, 1, "only n = 1 is supported");
        _ = n;
        if (Bool(body, "logprobs") == true) throw ApiError.BadRequest("logprobs are not supported", "logprobs");
        if (body.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
            throw ApiError.BadRequest("tools are not supported by this server", "tools");
        foreach (var p in new[] { "presence_penalty", "frequency_penalty" })
            if (Number(body, p, -2, 2) is double v && v != 0) throw ApiError.BadRequest($"{p} is not supported (only 0)", p);
        var stream = Bool(body, "stream") ?? false;
        bool usage = false;
        if (body.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object) usage = Bool(so, "include_usage", "stream_options.include_usage") ?? false;
        int? max = Int(body, "max_completion_tokens", 1, int.MaxValue) ?? Int(body, "max_tokens", 1, int.MaxValue);
        return new CompletionRequest
        {
            Model = model,
            Messages = messages,
            Prompt = prompt,
            Stream = stream,
            IncludeUsage = usage,
            MaxTokens = max,
            Temperature = Number(body, "temperature", 0, 2) ?? 1.0,
            TopP = Number(body, "top_p", 0, 1, minOpen: true) ?? 1.0,
            TopK = Int(body, "top_k", -1, int.MaxValue) is int k && k > 0 ? k : 0,
            RepetitionPenalty = Number(body, "repetition_penalty", 0, 10, minOpen: true) ?? 1.0,
            Seed = body.TryGetProperty("seed", out var seed) && seed.ValueKind != JsonValueKind.Null
                ? seed.TryGetInt64(out var s) ? s : throw ApiError.BadRequest("seed must be an integer", "seed") : null,
            Stop = ParseStop(body),
            IgnoreEos = Bool(body, "ignore_eos") ?? false,
        };
    }

    private static List<ChatMessage> ParseMessages(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw ApiError.BadRequest("messages must be a non-empty array of {role, content}", "messages");
        var result = new List<ChatMessage>();
        int i = 0;
        foreach (var m in list.EnumerateArray())
        {
            var where = $"messages[{i++}]";
            if (m.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest($"{where} must be an object with role and content", where);
            var role = String(m, "role", $"{where}.role") ?? throw ApiError.BadRequest($"{where}.role is required", $"{where}.role");
            if (!Roles.Contains(role)) throw ApiError.BadRequest($"{where}.role '{Clip(role)}' is not one of {string.Join(", ", Roles)}", $"{where}.role");
            result.Add(new ChatMessage(role, Content(m, where)));
        }
        return result;
    }

    // A string, or OpenAI's array of parts of which only text parts are understood; null (an assistant tool call) is empty.
    private static string Content(JsonElement m, string where)
    {
        if (!m.TryGetProperty("content", out var c) || c.ValueKind == JsonValueKind.Null) return "";
        if (c.ValueKind == JsonValueKind.String) return c.GetString()!;
        if (c.ValueKind != JsonValueKind.Array) throw ApiError.BadRequest($"{where}.content must be a string or an array of text parts", $"{where}.content");
        var text = new System.Text.StringBuilder();
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || String(part, "type", $"{where}.content") != "text" || String(part, "text", $"{where}.content") is not { } t)
                throw ApiError.BadRequest($"{where}.content: only text parts ({{\"type\":\"text\",\"text\":…}}) are supported", $"{where}.content");
            text.Append(t);
        }
        return text.ToString();
    }

    private static string ParsePrompt(JsonElement body)
    {
        if (!body.TryGetProperty("prompt", out var p)) throw ApiError.BadRequest("prompt is required", "prompt");
        if (p.ValueKind == JsonValueKind.String) return p.GetString()!;
        if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 1 && p[0].ValueKind == JsonValueKind.String) return p[0].GetString()!;
        throw ApiError.BadRequest("prompt must be a string (or an array of one string)", "prompt");
    }

    private static string[] ParseStop(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var s) || s.ValueKind == JsonValueKind.Null) return [];
        string[] stops = s.ValueKind switch
        {
            JsonValueKind.String => [s.GetString()!],
            JsonValueKind.Array when s.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) => s.EnumerateArray().Select(e => e.GetString()!).ToArray(),
            _ => throw ApiError.BadRequest("stop must be a string or an array of strings", "stop"),
        };
        if (stops.Length > 4) throw ApiError.BadRequest("stop takes at most 4 sequences", "stop");
        if (stops.Any(x => x.Length == 0)) throw ApiError.BadRequest("stop sequences must be non-empty", "stop");
        return stops;
    }

    private static string? String(JsonElement o, string name, string? param = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw ApiError.BadRequest($"{param ?? name} must be a string", param ?? name);
    }

    private static bool? Bool(JsonElement o, string name, string? param = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw ApiError.BadRequest($"{param ?? name} must be true or false", param ?? name);
    }

    private static double? Number(JsonElement o, string name, double min, double max, bool minOpen = false)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || d < min || d > max || (minOpen && d == min))
            throw ApiError.BadRequest($"{name} must be a number in {(minOpen ? "(" : "[")}{min}, {max}]", name);
        return d;
    }

    private static int? Int(JsonElement o, string name, int min, int max, string? message = null)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var i) || i < min || i > max)
            throw ApiError.BadRequest(message ?? $"{name} must be an integer ≥ {min}", name);
        return i;
    }

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
