using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>The optimisation loop on a problem whose answer is known in closed form.</summary>
public class TrainerTests
{
    // Each batch carries its target in Labels[0,0]; the loss is (p − target)².
    private sealed class Targets(params float[] targets) : IBatchSource
    {
        public int BatchesPerEpoch => targets.Length;
        public TrainBatch Get(long index)
        {
            var t = tensor(new long[,] { { (long)(targets[index % targets.Length] * 1000) , 0 } });
            return new TrainBatch(t, t, null);
        }
    }

    private static Tensor Quadratic(Parameter p, TrainBatch b) => (p - b.Labels[0, 0].to_type(ScalarType.Float32) / 1000).square().sum();

    [Fact]
    public void EarlyStoppingStopsWhenEvalLossStopsImproving()
    {
        var p = new Parameter(zeros(1));
        // Training pulls p toward +1, evaluation measures distance to −1: eval loss rises after the first step.
        var trainer = new Trainer([("p", p)], b => Quadratic(p, b), _ => { }, new Targets(1f), () => [new Targets(-1f).Get(0)],
            new TrainerOptions { OutDir = Shared.TempDir(), MaxSteps = 50, LearningRate = 0.1, Schedule = "constant", WeightDecay = 0, EvalEvery = 1, EarlyStoppingPatience = 2, CheckpointEvery = 0, MaxGradNorm = 0 });
        var r = trainer.Run();
        Assert.True(r.StoppedEarly);
        Assert.Equal(3, r.Steps);
        Assert.Equal(3, r.EvalLosses.Count);
        Assert.Equal(r.EvalLosses[0].Loss, r.BestEvalLoss);
        Assert.True(r.EvalLosses[2].Loss > r.EvalLosses[1].Loss);
    }

    [Fact]
    public void GradientAccumulationAveragesMicroBatches()
    {
        // Two micro-batches with targets 1 and 3 give the gradient of the mean loss: d/dp mean((p−1)², (p−3)²) at 0 = −4.
        var p = new Parameter(zeros(1));
        var trainer = new Trainer([("p", p)], b => Quadratic(p, b), _ => { }, new Targets(1f, 3f), null,
            new TrainerOptions { OutDir = Shared.TempDir(), MaxSteps = 1, LearningRate = 0.01, Schedule = "constant", WeightDecay = 0, GradientAccumulation = 2, CheckpointEvery = 0, MaxGradNorm = 0 });
        var r = trainer.Run();
        Assert.Equal((1.0 + 9.0) / 2, r.Losses[0], 5);
        // Adam's first step moves by lr·sign(g) (bias-corrected m/√v = ±1).
        Assert.Equal(0.01, p.item<float>(), 5);
    }

    [Fact]
    public void DataOrderSeedsAreTheSameInEveryProcess()
    {
        // Hand-computed from the formula; HashCode-based mixing would differ between processes (and resumes).
        Assert.Equal(17 * 104_729, Seeds.Mix(0, 0, 17));
        Assert.Equal((3 * 1_000_003) ^ (2 * 7_919), Seeds.Mix(3, 2));
    }

    [Fact]
    public void ClippingScalesTheGlobalNorm()
    {
        var a = new Parameter(zeros(2));
        using var opt = new SharpTune.Training.AdamW([("a", a)], new SharpTune.Training.AdamW.Options());
        (a * tensor(new float[] { 3, 4 })).sum().backward();
        Assert.Equal(5.0, opt.ClipGradNorm(1.0), 4);
        Assert.Equal(new[] { 0.6f, 0.8f }, a.grad!.data<float>().ToArray().Select(x => MathF.Round(x, 4)).ToArray());
    }

    [Theory]
    [InlineData("linear", 0, 1e-3 * 1 / 10)]
    [InlineData("linear", 9, 1e-3)]
    [InlineData("linear", 55, 1e-3 * 0.5)]
    [InlineData("cosine", 55, 1e-3 * 0.5)]
    [InlineData("cosine", 100, 0.0)]
    [InlineData("constant", 70, 1e-3)]
    public void SchedulesFollowTransformersDefinitions(string kind, long step, double expected)
    {
        // 10 warm-up steps of 100: warm-up reaches the peak at step 9; half-way through decay (step 55) linear and cosine give half.
        Assert.Equal(expected, LrSchedule.At(kind, 1e-3, step, 10, 100), 12);
    }
}
