using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// Pretraining batches: documents are concatenated (each followed by the end-of-text id) and cut into
/// fixed-length blocks; blocks are shuffled per epoch with a seeded permutation.
/// </summary>
public sealed class PackedLmSource : IBatchSource
{
    private readonly int[] _tokens;
    private readonly int _blockSize, _batchSize, _seed;
    private readonly int _blocks;
    private readonly Device _device;
    private readonly Dictionary<long, int[]> _orders = new();

    /// <param name="evaluationOnly">Only <see cref="Sequential"/> will be used: a corpus smaller than one batch is fine.</param>
    public PackedLmSource(IEnumerable<int[]> documents, int endOfText, int blockSize, int batchSize, int seed, Device device, bool evaluationOnly = false)
    {
        var all = new List<int>();
        foreach (var d in documents) { all.AddRange(d); all.Add(endOfText); }
        _tokens = all.ToArray();
        _blockSize = blockSize;
        _batchSize = batchSize;
        _seed = seed;
        _device = device;
        _blocks = _tokens.Length / blockSize;
        if (_tokens.Length < 2) throw new SharpTuneException("the corpus is empty");
        if (_blocks < batchSize && !evaluationOnly) throw new SharpTuneException($"the corpus has {_tokens.Length} tokens: fewer than one batch of {batchSize}×{blockSize}");
    }

    public long TotalTokens => _tokens.Length;

    /// <summary>Tokens <see cref="Sequential"/> scores: all but the first of each block, the tail counting as one.</summary>
    public long ScoredTokens => _tokens.Length - (_tokens.Length + _blockSize - 1) / _blockSize;
    public int Blocks => _blocks;
    public int BatchesPerEpoch => _blocks / _batchSize;

    private int[] Order(long epoch)
    {
        lock (_orders)
        {
            if (_orders.TryGetValue(epoch, out var o)) return o;
            o = Enumerable.Range(0, _blocks).ToArray();
            new Random(Seeds.Mix(_seed, epoch)).Shuffle(o);
            if (_orders.Count > 4) _orders.Clear();
            return _orders[epoch] = o;
        }
    }

    public TrainBatch Get(long index)
    {
        long epoch = index / BatchesPerEpoch;
        int within = (int)(index % BatchesPerEpoch);
        var order = Order(epoch);
        var ids = new long[_batchSize, _blockSize];
        for (int b = 0; b < _batchSize; b++)
        {
            int block = order[within * _batchSize + b];
            for (int t = 0; t < _blockSize; t++) ids[b, t] = _tokens[block * _blockSize + t];
        }
        var x = tensor(ids, device: _device);
        return new TrainBatch(x, x, null);
    }

    /// <summary>
    /// Every token in order (no shuffle), for evaluation: full blocks in batches (the last batch may be smaller),
    /// then the tail shorter than a block on its own, so a perplexity covers the whole corpus.
    /// </summary>
    public IEnumerable<TrainBatch> Sequential()
    {
        for (int first = 0; first < _blocks; first += _batchSize)
        {
            int n = Math.Min(_batchSize, _blocks - first);
            var ids = new long[n, _blockSize];
            for (int b = 0; b < n; b++)
                for (int t = 0; t < _blockSize; t++) ids[b, t] = _tokens[(first + b) * _blockSize + t];
            var x = tensor(ids, device: _device);
            yield return new TrainBatch(x, x, null);
        }
        int tail = _tokens.Length - _blocks * _blockSize;
        if (tail >= 2)
        {
            var x = tensor(_tokens[(_blocks * _blockSize)..].Select(i => (long)i).ToArray(), device: _device).unsqueeze(0);
            yield return new TrainBatch(x, x, null);
        }
    }
}
