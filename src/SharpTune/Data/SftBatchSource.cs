using SharpTune.IO;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Data;

/// <summary>
/// Batches of supervised examples, deterministic per (seed, epoch). Length-bucketed: each epoch shuffles,
/// sorts windows of 50 batches by length (little padding) and shuffles the batch order. Packing instead
/// concatenates examples into rows of max-length tokens. Right padding, label −100 on padding and prompts.
/// </summary>
public sealed class SftBatchSource : IBatchSource
{
    private readonly List<SftExample> _examples;
    private readonly int _batchSize, _padId, _maxLength, _seed;
    private readonly bool _packing;
    private readonly Device _device;
    private readonly Dictionary<long, List<List<(int[] Ids, int[] Labels)>>> _epochs = new();

    public SftBatchSource(List<SftExample> examples, int batchSize, int padId, bool packing, int maxLength, int seed, Device device)
    {
        if (batchSize <= 0) throw new SharpTuneException($"--batch-size must be > 0, got {batchSize}");
        if (examples.Count < batchSize) throw new SharpTuneException($"the dataset has {examples.Count} examples, fewer than one batch of {batchSize}");
        _examples = examples;
        _batchSize = batchSize;
        _padId = padId;
        _packing = packing;
        _maxLength = maxLength;
        _seed = seed;
        _device = device;
        BatchesPerEpoch = Plan(0).Count;
    }

    public int BatchesPerEpoch { get; }
    public int Count => _examples.Count;

    private List<List<(int[] Ids, int[] Labels)>> Plan(long epoch)
    {
        lock (_epochs)
        {
            if (_epochs.TryGetValue(epoch, out var cached)) return cached;
            var rng = new Random(Seeds.Mix(_seed, epoch, 17));
            var order = Enumerable.Range(0, _examples.Count).ToArray();
            rng.Shuffle(order);
            var flat = order.Select(i => _examples[i].Flatten()).ToList();
            List<List<(int[], int[])>> batches;
            if (_packing)
            {
                var rows = new List<(List<int> Ids, List<int> Labels)>();
                foreach (var (ids, labels) in flat)
                {
                    if (rows.Count == 0 || rows[^1].Ids.Count + ids.Length > _maxLength) rows.Add((new List<int>(), new List<int>()));
                    rows[^1].Ids.AddRange(ids);
                    rows[^1].Labels.AddRange(labels);
                }
                batches = rows.Chunk(_batchSize).Where(c => c.Length == _batchSize)
                    .Select(c => c.Select(r => (r.Ids.ToArray(), r.Labels.ToArray())).ToList()).ToList();
                if (batches.Count == 0) throw new SharpTuneException($"packing {_examples.Count} examples into rows of {_maxLength} tokens gives fewer rows than one batch of {_batchSize}");
            }
            else
            {
                batches = flat.Chunk(_batchSize * 50)
                    .SelectMany(w => w.OrderBy(x => x.Item1.Length).Chunk(_batchSize).Where(c => c.Length == _batchSize))
                    .Select(c => c.ToList()).ToList();
                rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(batches));
            }
            if (_epochs.Count > 2) _epochs.Clear();
            return _epochs[epoch] = batches;
        }
    }

    public TrainBatch Get(long index)
    {
        var plan = Plan(index / BatchesPerEpoch);
        return ToBatch(plan[(int)(index % BatchesPerEpoch) % plan.Count]);
    }

    /// <summary>Every example once, in file order, in batches (the last may be smaller): for evaluation.</summary>
    public static IEnumerable<TrainBatch> Sequential(IReadOnlyList<SftExample> examples, int batchSize, int padId, Device device)
    {
        foreach (var chunk in examples.Chunk(batchSize))
            yield return ToBatch(chunk.Select(e => e.Flatten()).ToList(), padId, device);
    }

    private TrainBatch ToBatch(List<(int[] Ids, int[] Labels)> rows) => ToBatch(rows, _padId, _device);

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
