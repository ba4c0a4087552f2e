using SharpTune.IO;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Data;

/// <summary>
/// Batches of supervised examples, deterministic per (seed, epoch), every example exactly once per epoch (the
/// last batch of an epoch may be smaller). Length-bucketed: each epoch shuffles, sorts windows of 50 batches
/// by length (little padding) and shuffles the batch order. Packing instead fills rows of max-length tokens
/// with several examples each (marked by sequence ids, so the model keeps them apart). Right padding, label
/// −100 on padding and prompts.
/// </summary>
public sealed class SftBatchSource : IBatchSource
{
    private readonly List<SftExample> _examples;
    private readonly int _batchSize, _padId, _maxLength, _seed;
    private readonly bool _packing;
    private readonly Device _device;
    private readonly Dictionary<long, List<List<int[]>>> _epochs = new();

    public SftBatchSource(List<SftExample> examples, int batchSize, int padId, bool packing, int maxLength, int seed, Device device)
    {
        if (batchSize <= 0) throw new SharpTuneException($"--batch-size must be > 0, got {batchSize}");
        if (examples.Count < batchSize) throw new SharpTuneException($"the dataset has {examples.Count} examples, fewer than one batch of {batchSize}");
        if (packing && maxLength <= 0) throw new SharpTuneException($"--max-length must be > 0 for packing, got {maxLength}");
        _examples = examples;
        _batchSize = batchSize;
        _padId = padId;
        _packing = packing;
        _maxLength = maxLength;
        _seed = seed;
        _device = device;
        BatchesPerEpoch = Plan(0).Count;
    }

    /// <summary>The same in every epoch (see <see cref="PackRows"/>), so index / BatchesPerEpoch is the epoch.</summary>
    public int BatchesPerEpoch { get; }
    public int Count => _examples.Count;

    /// <summary>
    /// Epoch <paramref name="epoch"/>'s batches, each a list of rows, each row the indices of the examples in it
    /// (one for unpacked batches).
    /// </summary>
    public IReadOnlyList<IReadOnlyList<int[]>> Batches(long epoch) => Plan(epoch);

    private List<List<int[]>> Plan(long epoch)
    {
        lock (_epochs)
        {
            if (_epochs.TryGetValue(epoch, out var cached)) return cached;
            var rng = new Random(Seeds.Mix(_seed, epoch, 17));
            var order = Enumerable.Range(0, _examples.Count).ToArray();
            rng.Shuffle(order);
            List<List<int[]>> batches;
            if (_packing)
            {
                var rows = PackRows(order);
                rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
                batches = rows.Chunk(_batchSize).Select(c => c.ToList()).ToList();
            }
            else
            {
                // Windows are whole batches, so only the epoch's last batch can be short.
                batches = order.Chunk(_batchSize * 50)
                    .SelectMany(w => w.OrderBy(i => _examples[i].Length).Chunk(_batchSize))
                    .Select(c => c.Select(i => new[] { i }).ToList()).ToList();
                rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batches));
            }
            if (_epochs.Count > 2) _epochs.Clear();
            return _epochs[epoch] = batches;
        }
    }

    /// <summary>
    /// Best-fit decreasing: examples longest first (ties in this epoch's shuffled order) go into the fullest row
    /// they fit. Its decisions depend only on the lengths, so every epoch gets the same number of rows (which
    /// examples share a row varies); an earlier next-fit over the shuffled order gave each epoch its own count
    /// while the index arithmetic assumed epoch 0's, skipping or repeating batches. An example longer than a row
    /// gets a row of its own.
    /// </summary>
    private List<int[]> PackRows(int[] order)
    {
        var rows = new List<List<int>>();
        var byRoom = new List<int>[_maxLength + 1];   // rows by remaining room
        foreach (int i in order.OrderByDescending(i => _examples[i].Length))
        {
            int len = _examples[i].Length, room = len;
            while (room <= _maxLength && (byRoom[room] is null || byRoom[room].Count == 0)) room++;
            if (len <= _maxLength && room <= _maxLength)
            {
                var bucket = byRoom[room];
                int row = bucket[^1];
                bucket.RemoveAt(bucket.Count - 1);
                rows[row].Add(i);
                (byRoom[room - len] ??= []).Add(row);
            }
            else
            {
                rows.Add([i]);
                if (len < _maxLength) (byRoom[_maxLength - len] ??= []).Add(rows.Count - 1);
            }
        }
        return rows.Select(r => r.ToArray()).ToList();
    }

    public TrainBatch Get(long index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index), index, "batch index must be ≥ 0");
        var plan = Plan(index / BatchesPerEpoch);
        if (plan.Count != BatchesPerEpoch) throw new InvalidOperationException($"epoch {index / BatchesPerEpoch} has {plan.Count} batches, expected {BatchesPerEpoch}");
        return ToBatch(plan[(int)(index % BatchesPerEpoch)]);
    }

    /// <summary>Every example once, in file order, in batches (the last may be smaller): for evaluation.</summary>
    public static IEnumerable<TrainBatch> Sequential(IReadOnlyList<SftExample> examples, int batchSize, int padId, Device device)
    {
        foreach (var chunk in examples.Chunk(batchSize))
            yield return ToBatch(chunk.Select(e => e.Flatten()).ToList(), padId, device);
    }

    private TrainBatch ToBatch(List<int[]> rows)
    {
        if (!_packing) return ToBatch(rows.Select(r => _examples[r[0]].Flatten()).ToList(), _padId, _device);
        int width = rows.Max(r => r.Sum(i => _examples[i].Length));
        var ids = new long[rows.Count, width];
        var labels = new long[rows.Count, width];
        var mask = new long[rows.Count, width];
        var sequences = new long[rows.Count, width];
        for (int b = 0; b < rows.Count; b++)
        {
            int t = 0;
            for (int s = 0; s < rows[b].Length; s++)
            {
                var (exIds, exLabels) = _examples[rows[b][s]].Flatten();
                for (int j = 0; j < exIds.Length; j++, t++)
                {
                    ids[b, t] = exIds[j];
                    // An example's first token is never a target when it is alone (nothing precedes it); packed, it
                    // would be predicted from the previous example's last token.
                    labels[b, t] = j == 0 ? CausalLmLoss.IgnoreIndex : exLabels[j];
                    mask[b, t] = 1;
                    sequences[b, t] = s + 1;
                }
            }
            for (; t < width; t++) { ids[b, t] = _padId; labels[b, t] = CausalLmLoss.IgnoreIndex; }
        }
        return new TrainBatch(tensor(ids, device: _device), tensor(labels, device: _device), tensor(mask, device: _device), tensor(sequences, device: _device));
    }

    private static TrainBatch ToBatch(List<(int[] Ids, int[] Labels)> rows, int padId, Device device)
    {
        int width = rows.Max(r => r.Ids.Length);
        var ids = new long[rows.Count, width];
        var labels = new long[rows.Count, width];
        var mask = new long[rows.Count, width];
        for (int b = 0; b < rows.Count; b++)
            for (int t = 0; t < width; t++)
            {
                bool real = t < rows[b].Ids.Length;
                ids[b, t] = real ? rows[b].Ids[t] : padId;
                labels[b, t] = real ? rows[b].Labels[t] : CausalLmLoss.IgnoreIndex;
                mask[b, t] = real ? 1 : 0;
            }
        return new TrainBatch(tensor(ids, device: device), tensor(labels, device: device), tensor(mask, device: device));
    }
}
