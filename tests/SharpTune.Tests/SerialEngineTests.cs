using SharpTune.Engine;
using SharpTune.Generation;
using SharpTune.IO;

namespace SharpTune.Tests;

/// <summary>The serial engine's contract without HTTP: refusals at once, the queue bound, cancellation.</summary>
public sealed class SerialEngineTests
{
    private static readonly GenerationOptions Long = new() { MaxNewTokens = 1000, EosTokenIds = [] };

    [Fact]
    public async Task Refuses_bad_requests_at_once_and_a_full_queue_with_EngineBusyException()
    {
        using var engine = new SerialEngine(ServeFixture.BaseDir, queueCapacity: 0);
        var prompt = EnginePrompts.Text(engine.Tokenizer, "Package: grep");
        Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest(prompt, Long, "missing")));
        Assert.Contains("1024", Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest(prompt, Long with { MaxNewTokens = 1024 }))).Message);
        Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest([], Long)));
        Assert.Throws<SharpTuneException>(() => engine.Generate(new EngineRequest([engine.Config.VocabSize], Long)));

        using var cancel = new CancellationTokenSource();
        var running = engine.Generate(new EngineRequest(prompt, Long), cancel.Token).GetAsyncEnumerator();
        Assert.True(await running.MoveNextAsync()); // it is running: no room left with a queue of 0
        Assert.Throws<EngineBusyException>(() => engine.Generate(new EngineRequest(prompt, Long)));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => { while (await running.MoveNextAsync()) { } });
        await running.DisposeAsync();

        // The cancelled request gave its place back: a new one runs to its end.
        var pieces = new List<EngineOutput>();
        await foreach (var p in engine.Generate(new EngineRequest(prompt, new GenerationOptions { MaxNewTokens = 5, EosTokenIds = [] }))) pieces.Add(p);
        Assert.Equal("length", pieces[^1].FinishReason);
        Assert.Equal(5, pieces[^1].CompletionTokens);
        Assert.Equal(5, pieces.Sum(p => p.Tokens.Count));
        Assert.All(pieces.SkipLast(1), p => Assert.Null(p.FinishReason));
    }
}
