using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SharpTune.Serving;

/// <summary>
/// A /v1/summarize body: JSON {"input": TEXT, "model"?, "format"?: html|srt|vtt|text, "max_tokens"?}, or the page or
/// transcript itself (Content-Type text/html, text/vtt, application/x-subrip, text/plain; model in ?model=), kept as
/// bytes so the retelling reader detects its encoding (legacy code pages included) as `summarize` does for files.
/// </summary>
public sealed record SummarizeRequest(byte[] Body, string? Format, string? Model, int? MaxTokens)
{
    public static readonly string[] Formats = ["html", "srt", "vtt", "text"];

    /// <summary>The name the retelling reader sees: its extension says the format; none lets it sniff the text.</summary>
    public string InputName => Format switch { "html" => "input.html", "srt" => "input.srt", "vtt" => "input.vtt", "text" => "input.txt", _ => "input" };

    public static async Task<SummarizeRequest> Read(HttpContext ctx, long maxBytes, Func<ApiError> tooLarge)
    {
        if (ctx.Request.ContentLength > maxBytes) throw tooLarge();
        var type = (ctx.Request.ContentType ?? "application/json").Split(';')[0].Trim().ToLowerInvariant();
        string? queryModel = ctx.Request.Query["model"].FirstOrDefault();
        if (type == "application/json")
        {
            JsonDocument doc;
            try { doc = await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted); }
            catch (JsonException e) { throw ApiError.BadRequest($"We could not parse the JSON body of your request ({e.Message.Split(" Path:")[0]})."); }
            using (doc)
            {
                var o = doc.RootElement;
                if (o.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest("the request body must be a JSON object");
                var input = o.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()!
                    : throw ApiError.BadRequest("input (the page or transcript text) is required and must be a string", "input");
                string? model = o.TryGetProperty("model", out var m) && m.ValueKind != JsonValueKind.Null
                    ? m.ValueKind == JsonValueKind.String ? m.GetString() : throw ApiError.BadRequest("model must be a string", "model") : queryModel;
                string? format = o.TryGetProperty("format", out var f) && f.ValueKind != JsonValueKind.Null
                    ? f.ValueKind == JsonValueKind.String && Formats.Contains(f.GetString()) ? f.GetString() : throw ApiError.BadRequest($"format must be one of {string.Join(", ", Formats)}", "format")
                    : null;
                int? max = null;
                if (o.TryGetProperty("max_tokens", out var mt) && mt.ValueKind != JsonValueKind.Null)
                    max = mt.ValueKind == JsonValueKind.Number && mt.TryGetInt32(out var n) && n >= 1 ? n : throw ApiError.BadRequest("max_tokens must be an integer ≥ 1", "max_tokens");
                return new SummarizeRequest(System.Text.Encoding.UTF8.GetBytes(input), format, model, max);
            }
        }
        string? typed = type switch
        {
            "text/html" or "application/xhtml+xml" => "html",
            "text/vtt" => "vtt",
            "application/x-subrip" or "text/srt" or "application/srt" => "srt",
            "text/plain" => null,
            _ => throw new ApiError(415, $"Content-Type {type} is not accepted (JSON, text/html, text/vtt, application/x-subrip or text/plain)", param: "Content-Type"),
        };
        using var bytes = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(bytes, ctx.RequestAborted);
        if (bytes.Length > maxBytes) throw tooLarge();
        return new SummarizeRequest(bytes.ToArray(), typed, queryModel, null);
    }
}
