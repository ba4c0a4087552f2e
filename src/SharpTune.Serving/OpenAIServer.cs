using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SharpTune.Engine;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Data;
using SharpTune.Retelling;

namespace SharpTune.Serving;

/// <summary>
/// An OpenAI-compatible HTTP API over one <see cref="IGenerationEngine"/> (ASP.NET Core minimal APIs on Kestrel):
/// GET /v1/models, POST /v1/chat/completions, /v1/completions (streaming as server-sent events, or not) and
/// /v1/summarize. Every refusal is OpenAI's error shape with the status its clients expect; nothing a client sends
/// can stop the server.
/// </summary>
public sealed class OpenAIServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly WebApplication _app;
    private readonly IGenerationEngine _engine;
    private readonly ServeOptions _options;
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly Action<string>? _log;

    /// <summary>Where the server listens, e.g. http://127.0.0.1:8000 (the port is the real one when 0 was asked).</summary>
    public string Url { get; private set; } = "";

    private OpenAIServer(IGenerationEngine engine, ServeOptions options, Action<string>? log)
    {
        _engine = engine;
        _options = options;
        _log = log;
        var address = ParseHost(options.Host);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
            k.Listen(address, options.Port);
        });
        _app = builder.Build();
        _app.Use(Guard);
        _app.MapGet("/v1/models", Models);
        _app.MapPost("/v1/chat/completions", ctx => Complete(ctx, chat: true));
        _app.MapPost("/v1/completions", ctx => Complete(ctx, chat: false));
        _app.MapPost("/v1/summarize", Summarize);
        _app.MapFallback(ctx => throw new ApiError(404, $"Unknown request URL: {ctx.Request.Method} {ctx.Request.Path}", code: "unknown_url"));
    }

    /// <summary>Starts listening; dispose (or <see cref="StopAsync"/>) to stop.</summary>
    public static async Task<OpenAIServer> StartAsync(IGenerationEngine engine, ServeOptions options, Action<string>? log = null, CancellationToken cancel = default)
    {
        var server = new OpenAIServer(engine, options, log);
        try { await server._app.StartAsync(cancel); }
        catch (IOException e) { await server._app.DisposeAsync(); throw new SharpTuneException($"--host {options.Host} --port {options.Port}: cannot listen ({e.Message})"); }
        var address = server._app.Urls.First();
        server.Url = address.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "[::1]");
        return server;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static IPAddress ParseHost(string host) =>
        host == "localhost" ? IPAddress.Loopback
        : IPAddress.TryParse(host, out var a) ? a
        : throw new SharpTuneException($"--host {host}: expected an IP address to bind (127.0.0.1 for this machine only, 0.0.0.0 for every interface)");

    // The one place a request's failures end: OpenAI-shaped errors, the key check, and a log line.
    private async Task Guard(HttpContext ctx, RequestDelegate next)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            if (_options.ApiKey is { } key && ctx.Request.Path.StartsWithSegments("/v1")) CheckKey(ctx, key);
            await next(ctx);
        }
        catch (ApiError e) { await WriteError(ctx, e); }
        catch (EngineBusyException e) { await WriteError(ctx, Busy(e)); }
        catch (SharpTuneException e) { await WriteError(ctx, ApiError.BadRequest(e.Message)); }
        catch (BadHttpRequestException e) { await WriteError(ctx, BodyError(e)); }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (Exception e)
        {
            _log?.Invoke($"internal error on {ctx.Request.Method} {ctx.Request.Path}: {e.GetType().Name}: {e.Message}");
            await WriteError(ctx, new ApiError(500, $"internal error ({e.GetType().Name})", "server_error"));
        }
        _log?.Invoke($"{ctx.Request.Method} {ctx.Request.Path} {(ctx.RequestAborted.IsCancellationRequested ? "aborted" : ctx.Response.StatusCode.ToString())} {clock.Elapsed.TotalSeconds:F2}s");
    }

    private static void CheckKey(HttpContext ctx, string key)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
            throw new ApiError(401, "You didn't provide an API key. Pass it as 'Authorization: Bearer KEY'.", code: "missing_api_key");
        var given = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        // Constant time: the comparison must not tell an attacker how much of a guess was right.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key)))
            throw new ApiError(401, "Incorrect API key provided.", code: "invalid_api_key");
    }

    private ApiError Busy(EngineBusyException e) =>
        new(429, $"The server is busy ({e.Queued} requests waiting); retry after {_options.RetryAfterSeconds} s.", "rate_limit_exceeded", code: "rate_limit_exceeded")
        { RetryAfter = _options.RetryAfterSeconds };

    private ApiError BodyError(BadHttpRequestException e) => e.StatusCode == StatusCodes.Status413PayloadTooLarge
        ? TooLarge()
        : new ApiError(e.StatusCode, $"bad request body ({e.Message})");

    private ApiError TooLarge() => new(413, $"The request body is larger than this server accepts ({_options.MaxBodyBytes} bytes).", code: "request_too_large");

    private static async Task WriteError(HttpContext ctx, ApiError e)
    {
        if (ctx.Response.HasStarted) return;
        ctx.Response.Clear();
        ctx.Response.StatusCode = e.Status;
        if (e.RetryAfter is int s) ctx.Response.Headers.RetryAfter = s.ToString();
        await WriteJson(ctx, e.ToJson());
    }

    private static async Task WriteJson(HttpContext ctx, JsonNode body)
    {
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString(Json), ctx.RequestAborted);
    }

    private async Task<JsonDocument> ReadJson(HttpContext ctx)
    {
        if (ctx.Request.ContentLength > _options.MaxBodyBytes) throw TooLarge();
        try { return await JsonDocument.ParseAsync(ctx.Request.Body, default, ctx.RequestAborted); }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"We could not parse the JSON body of your request ({e.Message.Split(" Path:")[0]}). The body must be a JSON object.");
        }
    }

    private Task Models(HttpContext ctx)
    {
        var data = new JsonArray { Model(_engine.BaseName, null) };
        foreach (var a in _engine.Adapters) data.Add(Model(a, _engine.BaseName));
        return WriteJson(ctx, new JsonObject { ["object"] = "list", ["data"] = data });
    }

    private JsonObject Model(string id, string? parent) => new()
    {
        ["id"] = id, ["object"] = "model", ["created"] = _created, ["owned_by"] = "sharptune", ["root"] = _engine.BaseName, ["parent"] = parent,
        ["max_model_len"] = _engine.ContextLength,
    };

    private string? Resolve(string model)
    {
        if (_engine.TryResolve(model, out var adapter)) return adapter;
        throw new ApiError(404, $"The model '{model}' does not exist (this server has: {string.Join(", ", ModelNames.All(_engine))}).", param: "model", code: "model_not_found");
    }

    private async Task Complete(HttpContext ctx, bool chat)
    {
        CompletionRequest request;
        using (var doc = await ReadJson(ctx)) request = CompletionRequest.Parse(doc.RootElement, chat);
        var adapter = Resolve(request.Model);
        var prompt = chat ? EnginePrompts.Chat(_engine.Tokenizer, request.Messages!) : EnginePrompts.Text(_engine.Tokenizer, request.Prompt!);
        if (prompt.Length == 0) throw ApiError.BadRequest("the prompt is empty", chat ? "messages" : "prompt");
        var options = Options(request, prompt.Length, chat ? _options.DefaultMaxTokens : 16, chat ? "messages" : "prompt");
        // Generate refuses at once (busy, bad request), so those are still plain HTTP errors, before any event is sent.
        var outputs = _engine.Generate(new EngineRequest(prompt, options, adapter), ctx.RequestAborted);
        var call = new Call(chat ? "chatcmpl-" : "cmpl-", request.Model, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), chat);
        if (request.Stream) await Stream(ctx, call, outputs, request.IncludeUsage);
        else
        {
            var text = new StringBuilder();
            EngineOutput? last = null;
            await foreach (var piece in outputs.WithCancellation(ctx.RequestAborted)) { text.Append(piece.Text); last = piece; }
            var choice = new JsonObject { ["index"] = 0 };
            if (chat) choice["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text.ToString(), ["refusal"] = null };
            else choice["text"] = text.ToString();
            choice["logprobs"] = null;
            choice["finish_reason"] = last?.FinishReason ?? "stop";
            var body = call.Envelope(chat ? "chat.completion" : "text_completion", choice);
            body["usage"] = Usage(last);
            await WriteJson(ctx, body);
        }
    }

    private GenerationOptions Options(CompletionRequest r, int promptTokens, int defaultMax, string param)
    {
        int context = _engine.ContextLength;
        int max = r.MaxTokens ?? Math.Min(defaultMax, context - promptTokens);
        if (max < 1 || promptTokens + max > context)
            throw ApiError.BadRequest($"This model's maximum context length is {context} tokens. However, you requested {promptTokens + Math.Max(max, 1)} tokens " +
                $"({promptTokens} in the {param}, {Math.Max(max, 1)} in the completion). Please reduce the length of the {param} or completion.", param, "context_length_exceeded");
        return new GenerationOptions
        {
            MaxNewTokens = max,
            DoSample = r.Temperature > 0,
            Temperature = r.Temperature > 0 ? r.Temperature : 1.0,
            TopP = r.TopP,
            TopK = r.TopK,
            RepetitionPenalty = r.RepetitionPenalty,
            Seed = r.Seed,
            StopStrings = r.Stop,
            EosTokenIds = r.IgnoreEos ? [] : null,
        };
    }

    private static JsonObject Usage(EngineOutput? last) => new()
    {
        ["prompt_tokens"] = last?.PromptTokens ?? 0,
        ["completion_tokens"] = last?.CompletionTokens ?? 0,
        ["total_tokens"] = (last?.PromptTokens ?? 0) + (last?.CompletionTokens ?? 0),
    };

    // Server-sent events as OpenAI sends them: one `data: {chunk}` per piece of text, the finish reason in a last chunk,
    // usage in its own chunk when asked (stream_options.include_usage), then `data: [DONE]`.
    private static async Task Stream(HttpContext ctx, Call call, IAsyncEnumerable<EngineOutput> outputs, bool includeUsage)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var kind = call.Chat ? "chat.completion.chunk" : "text_completion";
        async Task Send(string data)
        {
            await ctx.Response.WriteAsync("data: " + data + "\n\n", ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }
        JsonObject Chunk(string? text, string? finish, bool role = false)
        {
            var choice = new JsonObject { ["index"] = 0 };
            if (call.Chat)
            {
                var delta = new JsonObject();
                if (role) delta["role"] = "assistant";
                if (text is not null) delta["content"] = text;
                choice["delta"] = delta;
            }
            else choice["text"] = text ?? "";
            choice["logprobs"] = null;
            choice["finish_reason"] = finish;
            var chunk = call.Envelope(kind, choice);
            if (includeUsage) chunk["usage"] = null;
            return chunk;
        }

        if (call.Chat) await Send(Chunk("", null, role: true).ToJsonString(Json));
        EngineOutput? last = null;
        try
        {
            await foreach (var piece in outputs.WithCancellation(ctx.RequestAborted))
            {
                last = piece;
                if (piece.Text.Length > 0) await Send(Chunk(piece.Text, null).ToJsonString(Json));
                if (piece.FinishReason is { } reason) await Send(Chunk(call.Chat ? null : "", reason).ToJsonString(Json));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Headers are gone: the failure travels as an event, as OpenAI's streams report mid-stream errors.
            await Send(new ApiError(500, $"generation failed ({e.GetType().Name})", "server_error").ToJson().ToJsonString(Json));
            return;
        }
        if (includeUsage)
        {
            var usage = call.Envelope(kind, null);
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(last);
            await Send(usage.ToJsonString(Json));
        }
        await Send("[DONE]");
    }

    /// <summary>
    /// A page or transcript retold as `summarize` does it (src/SharpTune/Retelling): its text read with encoding
    /// detection and SmartReader/subtitle cleaning, split into chunks that fit the model's prompt, each chunk
    /// summarised through the engine (joining other clients' batch), then the summaries summarised (map-reduce).
    /// </summary>
    private async Task Summarize(HttpContext ctx)
    {
        var input = await SummarizeRequest.Read(ctx, _options.MaxBodyBytes, TooLarge);
        var model = input.Model ?? _engine.BaseName;
        var adapter = Resolve(model);
        ExtractedDocument doc;
        try { doc = InputReader.Read(input.InputName, input.Body); }
        catch (SharpTuneException e) { throw ApiError.BadRequest(e.Message, "input"); }
        var task = _options.Tasks.GetValueOrDefault(adapter ?? _engine.BaseName) ?? new TaskSettings();
        if (input.MaxTokens is int max) task = task with { MaxNewTokens = max };
        int context = Math.Min(task.MaxLength, _engine.ContextLength);
        if (context <= task.MaxNewTokens + 8)
            throw ApiError.BadRequest($"max_tokens {task.MaxNewTokens} leaves no room for the text in the model's {context}-token prompt", "max_tokens", "context_length_exceeded");
        var summarizer = new EngineSummarizer(_engine, adapter, task, context, cancel: ctx.RequestAborted);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await Task.Run(() => MapReduce.Run(summarizer, doc.Paragraphs.Select(p => p.Text).ToList(), cancel: ctx.RequestAborted), ctx.RequestAborted);
        await WriteJson(ctx, new JsonObject
        {
            ["id"] = "summ-" + Guid.NewGuid().ToString("N"),
            ["object"] = "summary",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = model,
            ["summary"] = result.Summary,
            ["kind"] = doc.Kind.ToString().ToLowerInvariant(),
            ["encoding"] = doc.Decoded.Encoding,
            ["input_chars"] = doc.Characters,
            ["chunks"] = new JsonArray(result.Chunks.Select(c => (JsonNode)new JsonObject { ["text_chars"] = c.Text.Length, ["summary"] = c.Summary }).ToArray()),
            ["reduce_levels"] = result.ReduceLevels,
            ["model_calls"] = result.ModelCalls,
            ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 3),
        });
    }

    private sealed record Call(string Prefix, string Model, long Created, bool Chat)
    {
        public string Id { get; } = Prefix + Guid.NewGuid().ToString("N");

        public JsonObject Envelope(string kind, JsonObject? choice) => new()
        {
            ["id"] = Id, ["object"] = kind, ["created"] = Created, ["model"] = Model,
            ["system_fingerprint"] = null,
            ["choices"] = choice is null ? new JsonArray() : new JsonArray { choice },
        };
    }
}
