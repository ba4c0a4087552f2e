using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>The optimisation loop on a problem whose answer is known in closed form.</summary>
public class TrainerTests
{

    private static Tensor Quadratic(Parameter p, TrainBatch b) => (p - b.Labels[0, 0].to_type(ScalarType.Float32) / 1000).square().sum();

    [Fact]
    public void EarlyStoppingStopsWhenEvalLossStopsImproving()
    {
        var p = new Parameter(zeros(1));
        // Training pulls p toward +1, evaluation measures distance to −1: eval loss rises after the first step.
        var trainer = new Trainer([("p", p)], b => Quadratic(p, b), _ => { }, new TargetBatches(1f), () => [new TargetBatches(-1f).Get(0)],
            new TrainerOptions { OutDir = Shared.TempDir(), MaxSteps = 50, LearningRate = 0.1, Schedule = "constant", WeightDecay = 0, EvalEvery = 1, EarlyStoppingPatience = 2, CheckpointEvery = 0, MaxGradNorm = 0 });
        var r = trainer.Run();
        Assert.True(r.StoppedEarly);
        Assert.Equal(3, r.Steps);
        Assert.Equal(3, r.EvalLosses.Count);
        Assert.Equal(r.EvalLosses[0].Loss, r.BestEvalLoss);
        Assert.True(r.EvalLosses[2].Loss > r.EvalLosses[1].Loss);
    }

    private sealed class Fixed(params TrainBatch[] batches) : IBatchSource
    {
        public int BatchesPerEpoch => batches.Length;
        public TrainBatch Get(long index) => batches[index % batches.Length];
    }

    [Fact]
    public void GradientAccumulationGivesTheGradientOfOneBatchHoldingEveryMicroBatch()
    {
        // Two micro-batches with very different loss-token counts (3 and 30): the accumulated gradient must be the
        // gradient of the token mean over all 33, which one batch holding the three rows computes. Averaging the
        // two micro-batch means instead weights each of the 3 tokens ten times more than each of the 30.
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        var lora = (LoraModel)AdapterFactory.Create(baseModel, new MethodOptions { Method = "lora", Rank = 4, Alpha = 8, Dropout = 0, Targets = "q_proj,v_proj" }, null, 7);
        var ids = SafeTensorsFile.Open(Shared.Golden("llama-tiny", "golden.safetensors")).Load("input_ids");
        var rows = cat([ids, ids[0].flip(0).unsqueeze(0)], 0);           // [3, 16]
        var labels = rows.clone();
        labels[0, TensorIndex.Slice(0, 13)] = tensor(CausalLmLoss.IgnoreIndex); // row 0 keeps loss on its last 3 labels
        var small = new TrainBatch(rows[TensorIndex.Slice(0, 1)], labels[TensorIndex.Slice(0, 1)], null);
        var large = new TrainBatch(rows[TensorIndex.Slice(1, 3)], labels[TensorIndex.Slice(1, 3)], null);
        Assert.Equal(3, small.LossTokens);
        Assert.Equal(30, large.LossTokens);

        // The reference: one backward over the whole batch.
        var whole = new TrainBatch(rows, labels, null);
        double wholeLoss = lora.Loss(whole).item<float>();
        lora.Loss(whole).backward();
        var expected = lora.Trainable.ToDictionary(t => t.Name, t => t.P.grad!.clone());
        var before = lora.Trainable.ToDictionary(t => t.Name, t => t.P.detach().clone());
        double expectedNorm = stack(expected.Values.Select(g => g.norm()).ToArray()).norm().item<float>();

        // Adam's first step moves each element by −lr·g/(|g|+eps) (bias-corrected m = g, √v = |g|). With the usual tiny
        // eps that is −lr·sign(g), blind to the gradient's scale; with eps = 1 ≫ |g| it is nearly SGD, and exactly
        // invertible: g = −Δ·eps/(lr − |Δ|). So the step reveals the accumulated gradient itself.
        const double lr = 1.0, eps = 1.0;
        double gradNorm = double.NaN;
        var trainer = new Trainer(lora.Trainable, lora.Loss, lora.SetTraining, new Fixed(small, large), null,
            new TrainerOptions { OutDir = Shared.TempDir(), MaxSteps = 1, LearningRate = lr, Eps = eps, Schedule = "constant", WeightDecay = 0,
                GradientAccumulation = 2, CheckpointEvery = 0, MaxGradNorm = 0 });
        var r = trainer.Run(p => gradNorm = p.GradNorm);

        Assert.Equal(wholeLoss, r.Losses[0], 1e-5);
        Assert.True(Math.Abs(gradNorm - expectedNorm) <= 1e-5 * expectedNorm, $"grad norm {gradNorm} vs {expectedNorm}");
        using var _ = no_grad();
        foreach (var (name, p) in lora.Trainable)
        {
            var delta = (p.detach() - before[name]).to_type(ScalarType.Float64);
            var accumulated = -delta * eps / (lr - delta.abs());
            var g = expected[name].to_type(ScalarType.Float64);
            double rel = ((accumulated - g).norm() / g.norm().clamp_min(1e-12)).item<double>();
            double abs = (accumulated - g).abs().max().item<double>();
            Assert.True(rel < 1e-5 || abs < 1e-9, $"{name}: accumulated gradient off by {rel:E2} (relative), {abs:E2} (max abs)");
        }
        // The check has teeth: B starts at zero, so its gradient is the whole signal.
        Assert.Contains(expected, kv => kv.Key.Contains("lora_B") && kv.Value.abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void DataOrderSeedsFollowTheirFormula()
    {
        // Hand-computed from the formula (the cross-process check is TrainingTests.DataOrderAndDropoutSeedsAreTheSameInASecondProcess).
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
