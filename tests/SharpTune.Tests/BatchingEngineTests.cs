using System.Diagnostics;
using SharpTune.Engine;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>The continuous-batching engine on the shipped base, against one-by-one <see cref="TextGenerator"/> runs.</summary>
public class BatchingEngineTests(ITestOutputHelper output)
{
    private static string BaseDir => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");
    private static readonly Lazy<(CausalLM Model, Tokenizer Tok)> Loaded = new(() => (ModelIO.Load(BaseDir), Tokenizer.Load(BaseDir)));
    private static CausalLM Model => Loaded.Value.Model;
    private static Tokenizer Tok => Loaded.Value.Tok;

    private static readonly string[] Texts =
    [
        "Package: curl\nDescription:",
        "The quick brown fox",
        "A library for parsing command line options in C, with support for long options, abbreviations and automatic help output.",
        "Hello",
        "Debian is a free operating system. It provides",
        "tool to",
        "This package contains the shared library and the documentation for the GNU compression utilities.",
        "Summary:",
    ];

    private sealed record Result(List<int> Tokens, string Text, string? Finish, int PromptTokens, int CompletionTokens);

    private static async Task<Result> Collect(IAsyncEnumerable<EngineOutput> stream, Action<int>? onToken = null)
    {
        var tokens = new List<int>();
        var text = "";
        string? finish = null;
        EngineOutput? last = null;
        await foreach (var o in stream)
        {
            tokens.AddRange(o.Tokens);
            text += o.Text;
            finish = o.FinishReason;
            last = o;
            onToken?.Invoke(tokens.Count);
        }
        return new Result(tokens, text, finish, last?.PromptTokens ?? 0, last?.CompletionTokens ?? 0);
    }

    private static GenerationResult Alone(int[] prompt, GenerationOptions options) =>
        new TextGenerator(Model, ids => Tok.Decode(ids, skipSpecialTokens: true)).Generate([prompt], options)[0];

    private static void SameAsAlone(GenerationResult alone, Result batched)
    {
        Assert.Equal(alone.Tokens, batched.Tokens);
        Assert.Equal(alone.Text, batched.Text);
        Assert.Equal(alone.FinishReason == "length" ? "length" : "stop", batched.Finish);
        Assert.Equal(alone.Tokens.Length, batched.CompletionTokens);
    }

    // A slot that is never freed must fail the test, not hang it (the machine may be busy: generous).
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static async Task WaitFor(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("the engine made no progress");
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task RequestsJoiningAtDifferentStepsGiveTheirOneByOneGreedyTokens()
    {
        var prompts = Texts.Select(t => Tok.Encode(t, addSpecialTokens: false)).ToArray();
        // Different token limits, EOS on for some rows and off for others, a stop string for one.
        var options = prompts.Select((p, i) => new GenerationOptions
        {
            MaxNewTokens = 6 + 5 * i,
            EosTokenIds = i % 3 == 0 ? null : [],
        }).ToArray();
        var soloForStop = Alone(prompts[4], options[4]);
        var stopText = soloForStop.Text![(soloForStop.Text!.Length / 2)..][..3];
        options[4] = options[4] with { StopStrings = [stopText] };
        var alone = prompts.Select((p, i) => Alone(p, options[i])).ToArray();
        Assert.Equal("stop", alone[4].FinishReason);

        using var engine = new BatchingEngine(Model, Tok, "sharptune-base", new BatchingEngineOptions { MaxRunningRows = 8 });
        var counts = new int[prompts.Length];
        var tasks = new Task<Result>[prompts.Length];
        for (int i = 0; i < 3; i++) { int j = i; tasks[i] = Collect(engine.Generate(new EngineRequest(prompts[i], options[i])), n => counts[j] = n); }
        await WaitFor(() => counts.Take(3).All(c => c >= 3));
        for (int i = 3; i < 6; i++) { int j = i; tasks[i] = Collect(engine.Generate(new EngineRequest(prompts[i], options[i])), n => counts[j] = n); }
        await WaitFor(() => counts[5] >= 2);
        for (int i = 6; i < prompts.Length; i++) tasks[i] = Collect(engine.Generate(new EngineRequest(prompts[i], options[i])));
        var results = await Task.WhenAll(tasks).WaitAsync(Patience);
        for (int i = 0; i < prompts.Length; i++) SameAsAlone(alone[i], results[i]);
        Assert.Equal(prompts[2].Length, results[2].PromptTokens);
        // The rows really shared steps: fewer steps than row-steps. How many share depends on how fast this thread
        // submits against the engine's loop (a loaded machine gave a mean batch of 1.90, under the old bound of 2), so
        // the bound is the load-independent one: a serial loop has a mean batch of exactly 1.
        output.WriteLine($"{engine.Steps} steps carried {engine.RowSteps} rows (mean batch {(double)engine.RowSteps / engine.Steps:F2})");
        Assert.True(engine.RowSteps > engine.Steps * 1.25, $"mean batch {(double)engine.RowSteps / engine.Steps:F2}");
    }

    [Fact]
    public async Task SeededSamplingIsReproducibleAndAsAlone()
    {
        var prompt = Tok.Encode(Texts[0], addSpecialTokens: false);
        var sample = new GenerationOptions { MaxNewTokens = 24, EosTokenIds = [], DoSample = true, Temperature = 1.3, TopK = 50, TopP = 0.95, RepetitionPenalty = 1.2, Seed = 7 };
        using var engine = new BatchingEngine(Model, Tok, "sharptune-base");
        async Task<Result[]> Round() => await Task.WhenAll(
            Collect(engine.Generate(new EngineRequest(prompt, sample))),
            Collect(engine.Generate(new EngineRequest(Tok.Encode(Texts[2], addSpecialTokens: false), sample with { Seed = 99 }))),
            Collect(engine.Generate(new EngineRequest(Tok.Encode(Texts[1], addSpecialTokens: false), new GenerationOptions { MaxNewTokens = 30, EosTokenIds = [] }))),
            Collect(engine.Generate(new EngineRequest(prompt, sample with { Seed = 8 }))));
        var a = await Round();
        var b = await Round();
        Assert.Equal(a[0].Tokens, b[0].Tokens);
        Assert.Equal(a[1].Tokens, b[1].Tokens);
        Assert.Equal(a[3].Tokens, b[3].Tokens);
        Assert.NotEqual(a[0].Tokens, a[3].Tokens);
        // Each row draws from its own generator, exactly as the same request alone.
        Assert.Equal(Alone(prompt, sample).Tokens, a[0].Tokens);
        Assert.Equal(Alone(prompt, sample with { Seed = 8 }).Tokens, a[3].Tokens);
    }

    [Fact]
    public async Task CancelledRequestStopsAndFreesItsSlot()
    {
        var prompts = Texts.Take(3).Select(t => Tok.Encode(t, addSpecialTokens: false)).ToArray();
        var greedy = new GenerationOptions { MaxNewTokens = 20, EosTokenIds = [] };
        using var engine = new BatchingEngine(Model, Tok, "sharptune-base", new BatchingEngineOptions { MaxRunningRows = 2 });
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        var doomed = Collect(engine.Generate(new EngineRequest(prompts[0], greedy with { MaxNewTokens = 500 }), cancel.Token), n => seen = n);
        var other = Collect(engine.Generate(new EngineRequest(prompts[1], greedy)));
        await WaitFor(() => seen >= 3);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => doomed);
        // Both rows were taken; the third request needs the cancelled one's slot.
        var third = await Collect(engine.Generate(new EngineRequest(prompts[2], greedy))).WaitAsync(Patience);
        SameAsAlone(Alone(prompts[2], greedy), third);
        SameAsAlone(Alone(prompts[1], greedy), await other.WaitAsync(Patience));
        // The cancelled row stopped costing compute: far fewer row-steps than its 500 tokens.
        output.WriteLine($"row-steps {engine.RowSteps}, cancelled row saw {seen} tokens");
        Assert.True(engine.RowSteps < 150, $"{engine.RowSteps} row-steps");
    }

    [Fact]
    public async Task ReaderThatStopsEarlyGivesUpItsRow()
    {
        var prompt = Tok.Encode(Texts[3], addSpecialTokens: false);
        using var engine = new BatchingEngine(Model, Tok, "sharptune-base", new BatchingEngineOptions { MaxRunningRows = 1 });
        await foreach (var o in engine.Generate(new EngineRequest(prompt, new GenerationOptions { MaxNewTokens = 500, EosTokenIds = [] })))
            break;
        var next = await Collect(engine.Generate(new EngineRequest(prompt, new GenerationOptions { MaxNewTokens = 5, EosTokenIds = [] }))).WaitAsync(Patience);
        Assert.Equal(5, next.Tokens.Count);
        Assert.True(engine.RowSteps < 100, $"{engine.RowSteps} row-steps");
    }

    [Fact]
    public async Task FullQueueRefusesAtOnce()
    {
        var prompt = Tok.Encode(Texts[3], addSpecialTokens: false);
        var greedy = new GenerationOptions { MaxNewTokens = 400, EosTokenIds = [] };
        using var engine = new BatchingEngine(Model, Tok, "sharptune-base", new BatchingEngineOptions { MaxRunningRows = 1, QueueCapacity = 2 });
        using var cancel = new CancellationTokenSource();
        int seen = 0;
        var running = Collect(engine.Generate(new EngineRequest(prompt, greedy), cancel.Token), n => seen = n);
        await WaitFor(() => seen >= 1);
        var queued = new[] { engine.Generate(new EngineRequest(prompt, greedy), cancel.Token), engine.Generate(new EngineRequest(prompt, greedy), cancel.Token) };
        var busy = Assert.Throws<EngineBusyException>(() => engine.Generate(new EngineRequest(prompt, greedy)));
        Assert.Equal(2, busy.Queued);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        // Cancelled queued requests left the queue: there is room again.
        var ok = await Collect(engine.Generate(new EngineRequest(prompt, greedy with { MaxNewTokens = 3 }))).WaitAsync(Patience);
        Assert.Equal(3, ok.Tokens.Count);
    }

    [Fact]
    public void BadRequestsAreRefusedWithOneLine()
    {
        using var engine = new BatchingEngine(Model, Tok, "sharptune-base");
        var greedy = new GenerationOptions { MaxNewTokens = 10 };
        Assert.Contains("context of 1024", Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest(new int[1020], greedy))).Message);
        Assert.Contains("not loaded", Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest([5], greedy, "nope"))).Message);
        Assert.Contains("vocabulary", Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest([99999], greedy))).Message);
        Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest([], greedy)));
    }

    // Eight concurrent requests give the tokens they give one at a time. The speed-up is printed, not asserted (speed
    // belongs in `sharptune bench`); SHARPTUNE_MEASURE=1 alternates three rounds each for a steadier figure.
    [Fact]
    public async Task EightConcurrentGreedyRequestsMatchOneAtATime()
    {
        var prompts = Texts.Select(t => Tok.Encode(t, addSpecialTokens: false)).ToArray();
        var greedy = new GenerationOptions { MaxNewTokens = 48, EosTokenIds = [] };
        async Task<(double TokensPerSecond, Result[] Results)> Run(int rows)
        {
            using var engine = new BatchingEngine(Model, Tok, "sharptune-base", new BatchingEngineOptions { MaxRunningRows = rows, MaxPrefillsPerStep = 8 });
            await Collect(engine.Generate(new EngineRequest(prompts[3], greedy with { MaxNewTokens = 4 })));   // warm-up
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(prompts.Select(p => Collect(engine.Generate(new EngineRequest(p, greedy)))));
            return (results.Sum(r => r.Tokens.Count) / clock.Elapsed.TotalSeconds, results);
        }
        // The machine is shared: alternate the two and keep each one's best.
        var ones = new List<(double TokensPerSecond, Result[] Results)>();
        var eights = new List<(double TokensPerSecond, Result[] Results)>();
        int rounds = Environment.GetEnvironmentVariable("SHARPTUNE_MEASURE") == "1" ? 3 : 1;
        for (int round = 0; round < rounds; round++) { ones.Add(await Run(1)); eights.Add(await Run(8)); }
        var one = ones.MaxBy(r => r.TokensPerSecond);
        var eight = eights.MaxBy(r => r.TokensPerSecond);
        double single = one.TokensPerSecond;
        // The plain generator, one prompt after another, for scale.
        var clock = Stopwatch.StartNew();
        var alone = prompts.Select(p => Alone(p, greedy)).ToArray();
        int generated = alone.Sum(a => a.Tokens.Length);
        double plain = generated / clock.Elapsed.TotalSeconds;
        output.WriteLine($"one at a time: {string.Join(" / ", ones.Select(r => r.TokensPerSecond.ToString("F0")))} tok/s (TextGenerator one by one {plain:F0}); " +
                         $"batching (8 rows): {string.Join(" / ", eights.Select(r => r.TokensPerSecond.ToString("F0")))} tok/s; best-to-best ratio {eight.TokensPerSecond / single:F2}");
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(alone[i].Tokens, eight.Results[i].Tokens);
            Assert.Equal(one.Results[i].Tokens, eight.Results[i].Tokens);
        }
    }
}
