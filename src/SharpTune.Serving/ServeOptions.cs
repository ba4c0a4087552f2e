namespace SharpTune.Serving;

/// <summary>How the OpenAI-compatible server listens and what it accepts. Loopback by default: exposing a model is a choice.</summary>
public sealed record ServeOptions
{
    public string Host { get; init; } = "127.0.0.1";
    /// <summary>0 picks a free port (tests, bench); <see cref="OpenAIServer.Url"/> tells which.</summary>
    public int Port { get; init; } = 8000;
    /// <summary>When set, every /v1 request needs "Authorization: Bearer KEY".</summary>
    public string? ApiKey { get; init; }
    /// <summary>Larger request bodies are refused with 413 before they are read.</summary>
    public long MaxBodyBytes { get; init; } = 4 << 20;
    /// <summary>What a 429 tells the client to wait, in seconds.</summary>
    public int RetryAfterSeconds { get; init; } = 1;
    /// <summary>Chat completion budget when the request sets no max_tokens (cut to what the context leaves).</summary>
    public int DefaultMaxTokens { get; init; } = 256;
}
