using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>
/// One request at a time: a bounded queue and one worker thread running <see cref="TextGenerator"/> on each request
/// alone. It is the reference the continuous-batching engine must match token for token, and the "one-at-a-time"
/// baseline `bench serve` measures it against, so it does nothing clever: no batching, no reordering. Adapters come
/// from the same <see cref="ServedModel"/> (one base, the registry's per-adapter views) as the batching engine's, so
/// the two differ in scheduling only.
/// </summary>
public sealed class SerialEngine : IGenerationEngine
{
    private readonly ServedModel _served;
    private readonly BlockingCollection<Job> _queue = new();
    private readonly Thread? _worker;

    public Tokenizer Tokenizer => _served.Tokenizer;
    public ModelConfig Config => _served.Base.Config;
    public int ContextLength => Config.MaxPositions;
    public string BaseName => _served.BaseName;
    public IReadOnlyList<string> Adapters { get; }

    /// <param name="adapters">Adapter name → PEFT adapter folder trained on this base.</param>
    /// <param name="queueCapacity">Requests that may wait behind the running one; one more is refused (busy).</param>
    public SerialEngine(string baseDir, IReadOnlyDictionary<string, string>? adapters = null, int queueCapacity = 64,
        Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (queueCapacity < 0) throw new SharpTuneException($"queue capacity must be ≥ 0, got {queueCapacity}");
        _served = new ServedModel(baseDir, adapters, device, dtype);
        Adapters = _served.Registry.Names;
        _capacity = queueCapacity;
        _worker = new Thread(Work) { IsBackground = true, Name = "sharptune-serial-engine" };
        _worker.Start();
    }

    private readonly int _capacity;
    private int _inFlight; // waiting + running; a request is admitted while it is ≤ capacity

    public IAsyncEnumerable<EngineOutput> Generate(EngineRequest request, CancellationToken cancel = default)
    {
        var options = Prepare(request);
        if (Interlocked.Increment(ref _inFlight) > _capacity + 1)
        {
            int waiting = Interlocked.Decrement(ref _inFlight);
            throw new EngineBusyException(Math.Max(0, waiting - 1));
        }
        var job = new Job(request.Prompt, options, request.Adapter, CancellationTokenSource.CreateLinkedTokenSource(cancel));
        // A cancelled request gives its place back at once, even while it waits behind the running one.
        job.Release = job.Cancel.Token.Register(() => ReleaseSlot(job));
        try { _queue.Add(job); }
        catch (InvalidOperationException) { ReleaseSlot(job); throw new ObjectDisposedException(nameof(SerialEngine)); }
        return Read(job, cancel);
    }

    private void ReleaseSlot(Job job)
    {
        if (Interlocked.Exchange(ref job.Released, 1) == 0) Interlocked.Decrement(ref _inFlight);
    }

    /// <summary>Checks a request the way every engine must, and fills in the model's EOS ids and padding.</summary>
    private GenerationOptions Prepare(EngineRequest request)
    {
        if (request.Adapter is { } a && !Adapters.Contains(a))
            throw new SharpTuneException($"unknown adapter '{a}' (loaded: {(Adapters.Count == 0 ? "none" : string.Join(", ", Adapters))})");
        if (request.Prompt.Length == 0) throw new SharpTuneException("the prompt encodes to no tokens");
        if (request.Prompt.Any(t => t < 0 || t >= Config.VocabSize)) throw new SharpTuneException($"prompt ids must be in [0, {Config.VocabSize})");
        request.Options.Validate();
        if (request.Prompt.Length + request.Options.MaxNewTokens > ContextLength)
            throw new SharpTuneException($"the prompt ({request.Prompt.Length} tokens) plus max new tokens ({request.Options.MaxNewTokens}) exceed the model's context of {ContextLength} tokens");
        return request.Options with { EosTokenIds = request.Options.EosTokenIds ?? _served.EosTokenIds, PadTokenId = _served.PadTokenId };
    }

    private static async IAsyncEnumerable<EngineOutput> Read(Job job, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        try
        {
            await foreach (var piece in job.Output.Reader.ReadAllAsync(cancel)) yield return piece;
        }
        finally
        {
            // A reader that stops early (client gone, enumeration abandoned) frees the worker at its next step.
            try { job.Cancel.Cancel(); } catch (ObjectDisposedException) { }
        }
    }

    private void Work()
    {
        using var _ = no_grad();
        foreach (var job in _queue.GetConsumingEnumerable())
        {
            try { Run(job); }
            catch (OperationCanceledException e) { job.Output.Writer.TryComplete(e); }
            catch (Exception e) { job.Output.Writer.TryComplete(e); }
            finally
            {
                job.Release.Dispose();
                ReleaseSlot(job);
                job.Cancel.Dispose();
            }
        }
    }

    private void Run(Job job)
    {
        job.Cancel.Token.ThrowIfCancellationRequested();
        var model = _served.For(job.Adapter);
        string Decode(IReadOnlyList<int> ids) => Tokenizer.Decode(ids, skipSpecialTokens: true);
        // The same incremental text as the batching engine: a piece is final (no stop string can still claim it).
        var text = new StreamingDetokenizer(Decode, job.Options.StopStrings);
        var tokens = new List<int>();
        int sent = 0;
        int promptTokens = job.Prompt.Length;
        var result = new TextGenerator(model, Decode).Generate([job.Prompt], job.Options, (_, token) =>
        {
            tokens.Add(token);
            if (job.Options.EosTokenIds!.Contains(token)) return;
            var piece = text.Push(token);
            if (piece.Length == 0) return;
            job.Output.Writer.TryWrite(new EngineOutput(piece, tokens[sent..], null, promptTokens, tokens.Count));
            sent = tokens.Count;
        }, job.Cancel.Token)[0];
        var reason = result.FinishReason == "length" ? "length" : "stop";
        job.Output.Writer.TryWrite(new EngineOutput(text.Finish(), tokens[sent..], reason, promptTokens, tokens.Count));
        job.Output.Writer.TryComplete();
    }

    public void Dispose()
    {
        if (!_queue.IsAddingCompleted)
        {
            _queue.CompleteAdding();
            foreach (var job in _queue.ToArray()) { try { job.Cancel.Cancel(); } catch (ObjectDisposedException) { } }
            _worker?.Join();
        }
        _served?.Dispose();
    }

    private sealed class Job(int[] prompt, GenerationOptions options, string? adapter, CancellationTokenSource cancel)
    {
        public int[] Prompt { get; } = prompt;
        public GenerationOptions Options { get; } = options;
        public string? Adapter { get; } = adapter;
        public CancellationTokenSource Cancel { get; } = cancel;
        public int Released;
        public CancellationTokenRegistration Release;
        public Channel<EngineOutput> Output { get; } = Channel.CreateUnbounded<EngineOutput>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    }
}
