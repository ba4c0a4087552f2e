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
    /// <summary>
    /// /v1/summarize's prompt template, answer budget and stop strings per model name (base or adapter): each
    /// folder's sharptune_task.json, as `summarize` and `eval` read it; a model without one uses the defaults.
    /// </summary>
    public IReadOnlyDictionary<string, Data.TaskSettings> Tasks { get; init; } = new Dictionary<string, Data.TaskSettings>();

    /// <summary>The task settings found beside the base and each adapter (name → folder).</summary>
    public static IReadOnlyDictionary<string, Data.TaskSettings> TasksOf(string baseName, string baseDir, IReadOnlyDictionary<string, string> adapters)
    {
        var tasks = new Dictionary<string, Data.TaskSettings>(StringComparer.Ordinal);
        foreach (var (name, dir) in adapters.Append(KeyValuePair.Create(baseName, baseDir)))
            if (Data.TaskSettings.Load(dir) is { } t) tasks[name] = t;
        return tasks;
    }
}
