using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// Batches for trainer tests whose answer is known in closed form: each batch carries its target (×1000) in
/// Labels[0,0], and the test's loss pulls a parameter toward it; batch i has target i mod the list.
/// </summary>
public sealed class TargetBatches(params float[] targets) : IBatchSource
{
    public int BatchesPerEpoch => targets.Length;

    public TrainBatch Get(long index)
    {
        var t = tensor(new long[,] { { (long)(targets[index % targets.Length] * 1000), 0 } });
        return new TrainBatch(t, t, null);
    }

    /// <summary>The target a batch carries.</summary>
    public static Tensor Target(TrainBatch b) => b.Labels[0, 0].to_type(ScalarType.Float32) / 1000;
}
