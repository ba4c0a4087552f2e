using System.Text.Json;
using SharpTune.IO;
using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// Every state a kill can leave in a run folder, built on disk from real checkpoints of one run, and what
/// --resume does with it: the resumed run must end exactly where an uninterrupted run ends (so it resumed from
/// the checkpoint it claims), or stop with one line naming the damaged file.
/// </summary>
public class CheckpointRecoveryTests
{

    private const long Steps = 8;

    private sealed record Outcome(TrainResult Result, float[] P, long FirstStep);

    private static Outcome Run(string dir, bool resume, long? cancelAt = null)
    {
        var p = new Parameter(zeros(3));
        using var cts = new CancellationTokenSource();
        long first = -1;
        var trainer = new Trainer([("p", p)], b => (p - b.Labels[0, 0].to_type(ScalarType.Float32) / 1000).square().sum(), _ => { },
            new TargetBatches(1f, 2f, -1f), null,
            new TrainerOptions { OutDir = dir, MaxSteps = Steps, LearningRate = 0.1, Schedule = "cosine", WarmupSteps = 2, WeightDecay = 0.1, CheckpointEvery = 1, MaxGradNorm = 0, Resume = resume });
        var r = trainer.Run(pr => { if (first < 0) first = pr.Step; if (pr.Step == cancelAt) cts.Cancel(); }, cts.Token);
        return new Outcome(r, p.data<float>().ToArray(), first);
    }

    /// <summary>One run's checkpoints after steps 3 and 5 (with the metrics logged up to each), and the uninterrupted run.</summary>
    private sealed class Snapshots
    {
        public readonly string Root = Shared.TempDir();
        public readonly Outcome Reference;
        public string S3 => Path.Combine(Root, "s3");
        public string S5 => Path.Combine(Root, "s5");
        public string Metrics5 => Path.Combine(Root, "metrics5.jsonl");

        public Snapshots()
        {
            Reference = Run(Shared.TempDir(), resume: false);
            var run = Shared.TempDir();
            Assert.Equal(3, Run(run, resume: false, cancelAt: 3).Result.Steps);
            Copy(Path.Combine(run, Checkpoint.Folder), S3);
            Assert.Equal(5, Run(run, resume: true, cancelAt: 5).Result.Steps);
            Copy(Path.Combine(run, Checkpoint.Folder), S5);
            File.Copy(Path.Combine(run, Trainer.MetricsFile), Metrics5);
        }
    }

    private static readonly Lazy<Snapshots> Snap = new(() => new Snapshots());

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static string RunFolder(params (string Name, string From, Action<string>? Damage)[] folders)
    {
        var dir = Shared.TempDir();
        File.Copy(Snap.Value.Metrics5, Path.Combine(dir, Trainer.MetricsFile));
        foreach (var (name, from, damage) in folders)
        {
            var target = Path.Combine(dir, name);
            Copy(from, target);
            damage?.Invoke(target);
        }
        return dir;
    }

    // What a kill leaves: a write that never reached its manifest, a delete that got part way, a short file.
    private static void Unfinished(string dir)
    {
        File.Delete(Path.Combine(dir, Checkpoint.Manifest));
        var opt = Path.Combine(dir, Checkpoint.Optimizer);
        File.WriteAllBytes(opt, File.ReadAllBytes(opt)[..40]);
    }

    private static void HalfDeleted(string dir)
    {
        File.Delete(Path.Combine(dir, Checkpoint.Manifest));
        File.Delete(Path.Combine(dir, Checkpoint.Weights));
    }

    private static void TruncatedState(string dir)
    {
        var state = Path.Combine(dir, Checkpoint.State);
        var text = File.ReadAllText(state);
        File.WriteAllText(state, text[..(text.Length / 2)]);
    }

    private static void AssertResumedExactly(string dir, long fromStep)
    {
        var resumed = Run(dir, resume: true);
        var reference = Snap.Value.Reference;
        Assert.Equal(fromStep + 1, resumed.FirstStep);
        Assert.Equal(Steps, resumed.Result.Steps);
        Assert.Equal(reference.Result.Losses, resumed.Result.Losses);
        Assert.Equal(reference.P, resumed.P);
        // Recovery leaves one clean checkpoint, and the metrics hold each step once, in order.
        Assert.Equal([Checkpoint.Folder], Directory.GetDirectories(dir).Select(Path.GetFileName).Order());
        var steps = File.ReadLines(Path.Combine(dir, Trainer.MetricsFile)).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64());
        Assert.Equal(Enumerable.Range(1, (int)Steps).Select(i => (long)i), steps);
    }

    [Fact]
    public void AResumeFromAMismatchedStateEndsElsewhere()
    {
        // If resuming from step 3 and from step 5 gave the same end, the tests below could not tell them apart:
        // restoring weights but not the optimizer moments must end elsewhere.
        var dir = RunFolder((Checkpoint.Folder, Snap.Value.S5, null));
        var fresh = Run(Shared.TempDir(), resume: false);
        Assert.Equal(Snap.Value.Reference.P, fresh.P);
        var zeroMoments = Path.Combine(dir, Checkpoint.Folder);
        File.Copy(Path.Combine(Snap.Value.S3, Checkpoint.Optimizer), Path.Combine(zeroMoments, Checkpoint.Optimizer), overwrite: true);
        File.Delete(Path.Combine(zeroMoments, Checkpoint.Manifest));
        Assert.NotEqual(Snap.Value.Reference.P, Run(dir, resume: true).P);
    }

    [Fact]
    public void IntactCheckpointResumes() => AssertResumedExactly(RunFolder((Checkpoint.Folder, Snap.Value.S5, null)), 5);

    [Fact]
    public void CompleteTmpWithNoOtherCheckpointIsUsed() =>
        // The first save was killed after its manifest, before the rename.
        AssertResumedExactly(RunFolder((Checkpoint.Folder + ".tmp", Snap.Value.S5, null)), 5);

    [Fact]
    public void CompleteTmpBesideOldIsTheNewerOne() =>
        // Killed between "checkpoint → checkpoint.old" and "checkpoint.tmp → checkpoint".
        AssertResumedExactly(RunFolder((Checkpoint.Folder + ".old", Snap.Value.S3, null), (Checkpoint.Folder + ".tmp", Snap.Value.S5, null)), 5);

    [Fact]
    public void PartialTmpIsIgnoredAndDeleted() =>
        AssertResumedExactly(RunFolder((Checkpoint.Folder, Snap.Value.S3, null), (Checkpoint.Folder + ".tmp", Snap.Value.S5, Unfinished)), 3);

    [Fact]
    public void PartialOldBesideAGoodCheckpointIsIgnoredAndDeleted() =>
        AssertResumedExactly(RunFolder((Checkpoint.Folder, Snap.Value.S5, null), (Checkpoint.Folder + ".old", Snap.Value.S3, HalfDeleted)), 5);

    [Fact]
    public void MissingCheckpointWithACompleteOldUsesOld() =>
        AssertResumedExactly(RunFolder((Checkpoint.Folder + ".old", Snap.Value.S3, null)), 3);

    [Fact]
    public void TruncatedTrainerStateFallsBackToTheOlderCompleteCheckpoint() =>
        AssertResumedExactly(RunFolder((Checkpoint.Folder, Snap.Value.S5, TruncatedState), (Checkpoint.Folder + ".old", Snap.Value.S3, null)), 3);

    [Fact]
    public void CheckpointsWithoutAManifestStillResume() =>
        // Written before manifests existed.
        AssertResumedExactly(RunFolder((Checkpoint.Folder, Snap.Value.S5, d => File.Delete(Path.Combine(d, Checkpoint.Manifest)))), 5);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TruncatedTrainerStateAloneIsOneLineNamingTheFile(bool withManifest)
    {
        var dir = RunFolder((Checkpoint.Folder, Snap.Value.S5, d =>
        {
            TruncatedState(d);
            if (!withManifest) File.Delete(Path.Combine(d, Checkpoint.Manifest));
        }));
        var before = File.ReadAllBytes(Path.Combine(dir, Trainer.MetricsFile));
        var e = Assert.Throws<SharpTuneException>(() => Run(dir, resume: true));
        Assert.StartsWith(Path.Combine(dir, Checkpoint.Folder, Checkpoint.State) + ": ", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, Trainer.MetricsFile)));
        Assert.True(Directory.Exists(Path.Combine(dir, Checkpoint.Folder)), "the damaged checkpoint is kept for inspection");
    }

    [Fact]
    public void ResumeWithoutACheckpointSaysSoAndKeepsTheMetrics()
    {
        foreach (var dir in new[] { RunFolder(), RunFolder((Checkpoint.Folder + ".tmp", Snap.Value.S5, Unfinished)) })
        {
            var before = File.ReadAllBytes(Path.Combine(dir, Trainer.MetricsFile));
            var e = Assert.Throws<SharpTuneException>(() => Run(dir, resume: true));
            Assert.StartsWith($"{dir}: no checkpoint to resume from", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, Trainer.MetricsFile)));
        }
    }

    [Fact]
    public void AFreshRunRefusesAFolderHoldingAPreviousRun()
    {
        var dir = RunFolder((Checkpoint.Folder, Snap.Value.S5, null));
        var before = File.ReadAllBytes(Path.Combine(dir, Trainer.MetricsFile));
        var e = Assert.Throws<SharpTuneException>(() => Run(dir, resume: false));
        Assert.Contains("--resume", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, Trainer.MetricsFile)));
    }

    [Fact]
    public void ResumeKeepsTheMetricsUpToTheCheckpointAndDropsOnlyLaterLines()
    {
        // A run killed after logging steps 6 and 7 (the last line torn) but checkpointed at 5.
        var dir = RunFolder((Checkpoint.Folder, Snap.Value.S5, null));
        var metrics = Path.Combine(dir, Trainer.MetricsFile);
        var kept = File.ReadAllLines(metrics);
        Assert.Equal(5, kept.Length);
        const string stale = """{"step":6,"loss":1.5}""";
        File.AppendAllText(metrics, stale + "\n" + """{"step":7,"lo""");
        var resumed = Run(dir, resume: true);
        Assert.Equal(6, resumed.FirstStep);
        var lines = File.ReadAllLines(metrics);
        Assert.Equal(kept, lines[..5]);
        Assert.Equal(Steps, lines.Length);
        Assert.DoesNotContain(stale, lines);
    }
}
