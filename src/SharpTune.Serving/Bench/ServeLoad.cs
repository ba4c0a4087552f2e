using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Serving.Bench;

/// <summary>One load level of `bench serve`: latency percentiles and throughput of closed-loop clients.</summary>
public sealed record ServeLoadResult(string Engine, int Clients, int Requests, double Seconds, double P50, double P95, long CompletionTokens)
{
    public double RequestsPerSecond => Requests / Seconds;
    public double TokensPerSecond => CompletionTokens / Seconds;
}

/// <summary>
/// Closed-loop clients over real HTTP: each sends a chat completion, waits for it, sends the next, until the level's
/// requests are done. Requests rotate over the models (base and adapters) and prompts, are greedy and ignore EOS, so
/// every request costs the same number of decode steps whatever the engine.
/// </summary>
public static class ServeLoad
{
    public static readonly string[] Prompts =
    [
        "Describe what a package manager does.",
        "Summarize: the tool copies files between hosts over an encrypted channel and keeps permissions.",
        "What is a compiler?",
        "Explain in one sentence why backups matter, and what a good backup plan includes for a small office with a few laptops.",
    ];

    public static async Task<ServeLoadResult> Run(HttpClient http, string engine, IReadOnlyList<string> models, int clients, int requests, int maxTokens,
        CancellationToken cancel)
    {
        var latencies = new double[requests];
        long tokens = 0;
        int next = -1;
        var clock = Stopwatch.StartNew();
        async Task Client()
        {
            for (int i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
            {
                var body = new JsonObject
                {
                    ["model"] = models[i % models.Count],
                    ["messages"] = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = Prompts[i % Prompts.Length] } },
                    ["max_tokens"] = maxTokens, ["temperature"] = 0, ["ignore_eos"] = true,
                };
                var sw = Stopwatch.StartNew();
                using var response = await http.PostAsJsonAsync("v1/chat/completions", body, cancel);
                var text = await response.Content.ReadAsStringAsync(cancel);
                if (!response.IsSuccessStatusCode) throw new IO.SharpTuneException($"bench serve: request {i} failed with {(int)response.StatusCode}: {text}");
                latencies[i] = sw.Elapsed.TotalSeconds;
                Interlocked.Add(ref tokens, JsonNode.Parse(text)!["usage"]!["completion_tokens"]!.GetValue<long>());
            }
        }
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(Client, cancel)));
        double seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return new ServeLoadResult(engine, clients, requests, seconds, Percentile(latencies, 0.50), Percentile(latencies, 0.95), tokens);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
