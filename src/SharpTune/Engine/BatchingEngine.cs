using System.Runtime.CompilerServices;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>
/// Continuous batching (vLLM, TGI) on one background thread, the only one that touches torch. Requests wait in a
/// bounded queue; between two decode steps new ones are prefilled (one row each) and their KV rows joined to the
/// running batch — the shorter side left-padded, the attention mask covering only real positions, so each row's
/// positions are what HF computes from its mask and it decodes as it would alone — and finished or cancelled rows are
/// dropped from the cache at once, so they stop costing compute. Every row has its own decoding options, sampler,
/// stop strings, EOS ids, token limit, adapter and cancellation.
/// </summary>
public sealed class BatchingEngine : IGenerationEngine
{
    private readonly IBatchModel _model;
    private readonly BatchingEngineOptions _options;
    private readonly Func<IReadOnlyList<int>, string> _decode;
    private readonly object _lock = new();
    private readonly LinkedList<EngineRow> _queue = new();
    private readonly List<EngineRow> _running = [];   // loop thread only
    private readonly Thread _loop;
    private readonly IDisposable? _owned;
    private KvCache? _cache;                           // loop thread only: the running rows' keys/values
    private bool _stopping;
    private int _inFlight;                             // waiting + running, not yet finished (guarded by _lock)

    public Tokenizer Tokenizer { get; }
    public ModelConfig Config => _model.Config;
    public int ContextLength => _model.Config.MaxPositions;
    public string BaseName { get; }
    public IReadOnlyList<string> Adapters => _model.Adapters;

    /// <summary>Decode steps run so far, and the rows they carried in total (their ratio is the mean batch size).</summary>
    public long Steps { get; private set; }
    public long RowSteps { get; private set; }

    public BatchingEngine(ILanguageModel model, Tokenizer tokenizer, string baseName, BatchingEngineOptions? options = null)
        : this(new BaseBatchModel(model), tokenizer, baseName, options) { }

    /// <param name="owned">Disposed with the engine, after its loop has stopped (what the model is loaded in).</param>
    public BatchingEngine(IBatchModel model, Tokenizer tokenizer, string baseName, BatchingEngineOptions? options = null, IDisposable? owned = null)
    {
        _model = model;
        _owned = owned;
        Tokenizer = tokenizer;
        BaseName = baseName;
        _options = options ?? new BatchingEngineOptions();
        _options.Validate();
        _decode = ids => tokenizer.Decode(ids, skipSpecialTokens: true);
        _loop = new Thread(Run) { IsBackground = true, Name = "SharpTune decode loop" };
        _loop.Start();
    }

    public IAsyncEnumerable<EngineOutput> Generate(EngineRequest request, CancellationToken cancel = default)
    {
        Check(request);
        cancel.ThrowIfCancellationRequested();
        var row = new EngineRow(request, request.Options.EosTokenIds ?? _options.EosTokenIds ?? Config.EosTokenIds, _decode);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            // Waiting and running together: whether the loop has moved a request into the batch yet must not decide
            // if the next one is refused (a client sees one bound, running rows + queue).
            if (_inFlight >= _options.QueueCapacity + _options.MaxRunningRows) throw new EngineBusyException(_queue.Count);
            _inFlight++;
            row.QueueNode = _queue.AddLast(row);
            Monitor.PulseAll(_lock);
        }
        row.Registration = cancel.Register(() => Cancel(row));
        return Read(row, cancel);
    }

    private void Check(EngineRequest request)
    {
        request.Options.Validate();
        if (request.Prompt.Length == 0) throw new SharpTuneException("the prompt needs at least one token");
        if (request.Prompt.Length + request.Options.MaxNewTokens > ContextLength)
            throw new SharpTuneException($"prompt ({request.Prompt.Length} tokens) + max new tokens ({request.Options.MaxNewTokens}) exceeds the model's context of {ContextLength} tokens");
        int bad = Array.FindIndex(request.Prompt, t => t < 0 || t >= Config.VocabSize);
        if (bad >= 0) throw new SharpTuneException($"prompt token {bad} is {request.Prompt[bad]}, outside the vocabulary [0, {Config.VocabSize})");
        if (request.Adapter is string a && !Adapters.Contains(a))
            throw new SharpTuneException($"adapter '{a}' is not loaded (loaded: {(Adapters.Count == 0 ? "none" : string.Join(", ", Adapters))})");
    }

    private async IAsyncEnumerable<EngineOutput> Read(EngineRow row, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        try
        {
            await foreach (var o in row.Output.Reader.ReadAllAsync(cancel)) yield return o;
        }
        finally
        {
            // A reader that stops early (a client gone) gives up its row too.
            Cancel(row);
            row.Registration.Dispose();
        }
    }

    private void Cancel(EngineRow row)
    {
        if (row.Finished) return;
        row.MarkCancelled();
        lock (_lock)
        {
            if (row.QueueNode is not null) { _queue.Remove(row.QueueNode); row.QueueNode = null; }
            Release(row);
            Monitor.PulseAll(_lock);
        }
        row.Output.Writer.TryComplete(new OperationCanceledException("the request was cancelled"));
    }

    private void Run()
    {
        while (true)
        {
            var admitted = new List<EngineRow>();
            lock (_lock)
            {
                while (!_stopping && _queue.Count == 0 && _running.Count == 0) Monitor.Wait(_lock);
                if (_stopping) break;
                while (_queue.First is { } first && _running.Count + admitted.Count < _options.MaxRunningRows
                       && admitted.Count < _options.MaxPrefillsPerStep)
                {
                    _queue.RemoveFirst();
                    first.Value.QueueNode = null;
                    admitted.Add(first.Value);
                }
            }
            DropDone();
            foreach (var row in admitted)
            {
                if (row.Cancelled) continue;
                try { Prefill(row); }
                catch (Exception e) { Fail(row, e); }
            }
            if (_running.Count == 0) continue;
            try { Step(); }
            catch (Exception e)
            {
                foreach (var row in _running) Fail(row, e);
                _running.Clear();
                _cache?.Dispose();
                _cache = null;
                continue;
            }
            DropDone();
        }
        var disposed = new ObjectDisposedException(nameof(BatchingEngine));
        foreach (var row in _running) Fail(row, disposed);
        lock (_lock) foreach (var row in _queue) Fail(row, disposed);
        _running.Clear();
        _cache?.Dispose();
        _cache = null;
    }

    private void Fail(EngineRow row, Exception e)
    {
        row.Finished = true;
        lock (_lock) Release(row);
        row.Output.Writer.TryComplete(e);
    }

    // A row's place in the in-flight bound is given back once, however it ends (finished, failed, cancelled).
    private void Release(EngineRow row)
    {
        if (!row.Released) { row.Released = true; _inFlight--; }
    }

    private void Prefill(EngineRow row)
    {
        if (row.Options.MaxNewTokens == 0)
        {
            Emit(row, new EngineOutput("", [], "length", row.Prompt.Length, 0));
            return;
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var cache = _model.NewCache(row.Adapter);
        try
        {
            var ids = tensor(row.Prompt.Select(t => (long)t).ToArray(), device: _model.Device).unsqueeze(0);
            var logits = _model.Prefill(ids, cache, row.Adapter).select(1, -1).to_type(ScalarType.Float32);
            Accept(row, Choose([row], logits)[0]);
            if (row.Finished || row.Cancelled) { cache.Dispose(); return; }
            if (_cache is null)
            {
                _cache = cache;
                row.Pad = 0;
            }
            else
            {
                var (padRunning, padNew) = _cache.AppendRows(cache);
                foreach (var r in _running) r.Pad += padRunning;
                row.Pad = padNew;
                cache.Dispose();
            }
            _running.Add(row);
        }
        catch
        {
            if (!ReferenceEquals(cache, _cache)) cache.Dispose();
            throw;
        }
    }

    private void Step()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var cache = _cache!;
        long len = cache.Length;
        var ids = tensor(_running.Select(r => (long)r.Last).ToArray(), device: _model.Device).unsqueeze(1);
        var pads = tensor(_running.Select(r => r.Pad).ToArray(), device: _model.Device);
        var mask = arange(len + 1, dtype: ScalarType.Int64, device: _model.Device).unsqueeze(0).ge(pads.unsqueeze(1)).to_type(ScalarType.Int64);
        var logits = _model.Logits(ids, mask, cache, _running.Select(r => r.Adapter).ToArray(), lastOnly: true)
            .select(1, -1).to_type(ScalarType.Float32);
        var next = Choose(_running, logits);
        Steps++;
        RowSteps += _running.Count;
        for (int i = 0; i < _running.Count; i++) Accept(_running[i], next[i]);
    }

    // Greedy rows without a penalty share one argmax; the others get the logits processing of TextGenerator, on
    // their own row and with their own generator, so a seeded row draws what it would draw alone.
    private static int[] Choose(IReadOnlyList<EngineRow> rows, Tensor logits)
    {
        var greedy = logits.argmax(1).cpu().data<long>().ToArray();
        var chosen = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            var o = rows[i].Options;
            if (!o.DoSample && o.RepetitionPenalty == 1.0) { chosen[i] = (int)greedy[i]; continue; }
            var row = logits.narrow(0, i, 1);
            if (o.RepetitionPenalty != 1.0)
                row = LogitsProcessing.RepetitionPenalty(row, tensor(rows[i].Seen.Select(t => (long)t).ToArray(), device: row.device).unsqueeze(0), o.RepetitionPenalty);
            if (!o.DoSample) { chosen[i] = (int)row.argmax(1).item<long>(); continue; }
            row = row / o.Temperature;
            row = LogitsProcessing.TopK(row, o.TopK);
            row = LogitsProcessing.TopP(row, o.TopP);
            chosen[i] = (int)row.softmax(1).cpu().multinomial(1, generator: rows[i].Rng).item<long>();
        }
        return chosen;
    }

    private void Accept(EngineRow row, int token)
    {
        if (row.Finished || row.Cancelled) return;
        row.Generated++;
        row.Last = token;
        row.Seen.Add(token);
        string text;
        string? reason = null;
        if (row.Eos.Contains(token)) { text = row.Text.Finish(); reason = "stop"; }
        else
        {
            text = row.Text.Push(token);
            if (row.Text.Stopped) reason = "stop";
            else if (row.Generated >= row.Options.MaxNewTokens) { text += row.Text.Finish(); reason = "length"; }
        }
        Emit(row, new EngineOutput(text, [token], reason, row.Prompt.Length, row.Generated));
    }

    private void Emit(EngineRow row, EngineOutput output)
    {
        row.Output.Writer.TryWrite(output);
        if (output.FinishReason is null) return;
        row.Finished = true;
        lock (_lock) Release(row);
        row.Output.Writer.TryComplete();
    }

    // Finished and cancelled rows leave the batch before the next step; padding no remaining row needs goes too.
    private void DropDone()
    {
        if (_running.All(r => !r.Finished && !r.Cancelled)) return;
        var keep = new List<long>();
        for (int i = 0; i < _running.Count; i++)
            if (!_running[i].Finished && !_running[i].Cancelled) keep.Add(i);
        if (keep.Count == 0)
        {
            _running.Clear();
            _cache?.Dispose();
            _cache = null;
            return;
        }
        var kept = keep.Select(i => _running[(int)i]).ToList();
        using (var scope = NewDisposeScope()) _cache!.KeepRows(keep);
        _running.Clear();
        _running.AddRange(kept);
        long front = _running.Min(r => r.Pad);
        if (front > 0)
        {
            using (var scope = NewDisposeScope()) _cache!.DropFront(front);
            foreach (var r in _running) r.Pad -= front;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping) return;
            _stopping = true;
            Monitor.PulseAll(_lock);
        }
        _loop.Join();
        _owned?.Dispose();
    }
}
