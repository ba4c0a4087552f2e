namespace SharpTune.Training;

/// <summary>
/// Deterministic batches: the same index always gives the same batch, so a resumed run sees exactly the data
/// an uninterrupted one would. Index runs over epochs (index / BatchesPerEpoch is the epoch).
/// </summary>
public interface IBatchSource
{
    int BatchesPerEpoch { get; }
    TrainBatch Get(long index);
}
