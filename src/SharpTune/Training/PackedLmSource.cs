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

    public PackedLmSource(IEnumerable<int[]> documents, int endOfText, int blockSize, int batchSize, int seed, Device device)
    {
        var all = new List<int>();
        foreach (var d in documents) { all.AddRange(d); all.Add(endOfText); }
        _tokens = all.ToArray();
        _blockSize = blockSize;
        _batchSize = batchSize;
        _seed = seed;
        _device = device;
        _blocks = _tokens.Length / blockSize;
        if (_blocks < batchSize) throw new SharpTuneException($"the corpus has {_tokens.Length} tokens: fewer than one batch of {batchSize}×{blockSize}");
    }

    public long TotalTokens => _tokens.Length;
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

    /// <summary>All blocks in order (no shuffle), for evaluation.</summary>
    public IEnumerable<TrainBatch> Sequential()
    {
        for (long i = 0; i < BatchesPerEpoch; i++)
        {
            var ids = new long[_batchSize, _blockSize];
            for (int b = 0; b < _batchSize; b++)
                for (int t = 0; t < _blockSize; t++) ids[b, t] = _tokens[((int)i * _batchSize + b) * _blockSize + t];
            var x = tensor(ids, device: _device);
            yield return new TrainBatch(x, x, null);
        }
    }
}
