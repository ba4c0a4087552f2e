using System.Text.Json;
using SharpTune.IO;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// With evaluation on, a run's result is its best dev-loss step, not its last: on a problem whose path is known
/// (training pulls p from 0 toward 1, the dev loss measures the distance to 0.45, so it falls and then rises), the
/// parameters after Run equal those of a run of exactly the best step's length, also across a cancel and --resume.
/// </summary>
public class BestCheckpointTests
{
    private const long Steps = 12;

    private sealed record Outcome(TrainResult Result, float[] P);

    private static Outcome Run(string dir, long steps, bool eval, bool resume = false, long? cancelAt = null, long checkpointEvery = 0, int patience = 0)
    {
        var p = new Parameter(zeros(2));
        using var cts = new CancellationTokenSource();
        // Two elements with different targets, so the snapshot is a tensor, not a number that happens to match.
        Tensor Loss(TrainBatch b) => (p - TargetBatches.Target(b) * tensor(new[] { 1f, 0.8f })).square().sum();
        var trainer = new Trainer([("p", p)], Loss, _ => { }, new TargetBatches(1f),
            eval ? () => [new TargetBatches(0.45f).Get(0)] : null,
            new TrainerOptions
            {
                OutDir = dir, MaxSteps = steps, LearningRate = 0.1, Schedule = "constant", WeightDecay = 0, MaxGradNorm = 0,
                EvalEvery = eval ? 1 : 0, EarlyStoppingPatience = patience, CheckpointEvery = checkpointEvery, Resume = resume,
            });
        var r = trainer.Run(pr => { if (pr.Step == cancelAt) cts.Cancel(); }, cts.Token);
        return new Outcome(r, p.data<float>().ToArray());
    }

    [Fact]
    public void TheResultIsTheBestDevLossStepAndRecordsIt()
    {
        var run = Run(Shared.TempDir(), Steps, eval: true);
        long best = run.Result.EvalLosses.MinBy(e => e.Loss).Step;
        // The problem has teeth: the best step is in the middle, so "the last step" would be a different answer.
        Assert.InRange(best, 2, Steps - 2);
        Assert.Equal(best, run.Result.BestStep);
        Assert.Equal(run.Result.EvalLosses.Min(e => e.Loss), run.Result.BestEvalLoss);
        Assert.Equal(Steps, run.Result.Steps);

        var reference = Run(Shared.TempDir(), best, eval: false);
        Assert.Null(reference.Result.BestStep);
        Assert.Equal(reference.P, run.P);
        Assert.NotEqual(Run(Shared.TempDir(), Steps, eval: false).P, run.P);
    }

    [Fact]
    public void EarlyStoppingKeepsTheBestStepNotTheStepItStoppedAt()
    {
        var run = Run(Shared.TempDir(), Steps, eval: true, patience: 2);
        Assert.True(run.Result.StoppedEarly);
        Assert.Equal(run.Result.BestStep + 2, run.Result.Steps);
        Assert.Equal(Run(Shared.TempDir(), run.Result.BestStep!.Value, eval: false).P, run.P);
    }

    [Theory]
    [InlineData(3L, 0L)]  // cancelled before the best step: the resumed run finds it
    [InlineData(9L, 0L)]  // cancelled after it: the checkpoint must carry the best values
    [InlineData(9L, 2L)]  // with periodic checkpoints too
    public void ACancelledAndResumedRunKeepsTheSameBestStep(long cancelAt, long checkpointEvery)
    {
        var reference = Run(Shared.TempDir(), Steps, eval: true);
        var dir = Shared.TempDir();
        var first = Run(dir, Steps, eval: true, cancelAt: cancelAt, checkpointEvery: checkpointEvery);
        Assert.True(first.Result.Cancelled);
        Assert.Equal(cancelAt, first.Result.Steps);
        // A cancelled run keeps its last step's values: its checkpoint is training state, not a result.
        Assert.Equal(Run(Shared.TempDir(), cancelAt, eval: false).P, first.P);
        // A live snapshot newer than the checkpoint (a kill after an improvement) must not win over the checkpoint's.
        SafeTensorsFile.Save(Path.Combine(dir, Trainer.BestFolder, Checkpoint.Weights), [KeyValuePair.Create("p", (Tensor)full(2, 7f))]);

        var resumed = Run(dir, Steps, eval: true, resume: true);
        Assert.False(resumed.Result.Cancelled);
        Assert.Equal(reference.Result.BestStep, resumed.Result.BestStep);
        Assert.Equal(reference.Result.BestEvalLoss, resumed.Result.BestEvalLoss);
        Assert.Equal(reference.P, resumed.P);
        Assert.Equal(Run(Shared.TempDir(), reference.Result.BestStep!.Value, eval: false).P, resumed.P);
        Assert.False(Directory.Exists(Path.Combine(dir, Trainer.BestFolder)));

        // Resuming the finished run changes nothing: the checkpoint (last step) still gives back the best step's values.
        var again = Run(dir, Steps, eval: true, resume: true);
        Assert.Equal(reference.Result.BestStep, again.Result.BestStep);
        Assert.Equal(reference.P, again.P);
    }

    [Fact]
    public void TheCheckpointListsTheBestSnapshotInItsManifestAndADamagedOneIsRefused()
    {
        var dir = Shared.TempDir();
        Run(dir, Steps, eval: true, cancelAt: 9);
        var ckpt = Path.Combine(dir, Checkpoint.Folder);
        using (var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(ckpt, Checkpoint.Manifest))))
            Assert.True(manifest.RootElement.GetProperty("files").TryGetProperty(Checkpoint.Best, out _));
        var best = Path.Combine(ckpt, Checkpoint.Best);
        var bytes = File.ReadAllBytes(best);
        bytes[^1] ^= 0x55;
        File.WriteAllBytes(best, bytes);
        var e = Assert.Throws<SharpTuneException>(() => Run(dir, Steps, eval: true, resume: true));
        Assert.Contains($"{Checkpoint.Best}: SHA-256 differs", e.Message);
    }
}
