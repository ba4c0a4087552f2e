using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests;

/// <summary>
/// Every run records a fingerprint of its options and input files (run.json, each checkpoint); --resume with a
/// different one is refused with one line naming what differs, before anything in the run folder changes.
/// </summary>
[Collection("console")]
public class RunFingerprintTests
{
    private static FineTuneOptions Options(string outDir, string data, double lr = 1e-2, long steps = 4) => new()
    {
        ModelDir = TinyFixture.ModelDir,
        DataPath = data,
        BatchSize = 4,
        Method = new MethodOptions { Method = "lora", Targets = "q_proj,v_proj", Rank = 2, Alpha = 4, Dropout = 0 },
        Data = new SftDataOptions { MaxLength = 256, Overflow = "truncate" },
        Trainer = new TrainerOptions { OutDir = outDir, MaxSteps = steps, LearningRate = lr, Schedule = "cosine", CheckpointEvery = 0 },
    };

    /// <summary>A run cancelled after step 2 of 4 (so it has a checkpoint to resume), and a snapshot of its folder's files.</summary>
    private static (string Dir, string Data, Dictionary<string, byte[]> Files) Interrupted()
    {
        var dir = Shared.TempDir();
        var data = TinyFixture.DataFile(12);
        using var cts = new CancellationTokenSource();
        var r = FineTuneRecipe.Run(Options(dir, data), progress: p => { if (p.Step == 2) cts.Cancel(); }, cancel: cts.Token);
        Assert.True(r.Result.Cancelled);
        return (dir, data, Snapshot(dir));
    }

    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    private static void Unchanged(string dir, Dictionary<string, byte[]> before)
    {
        var after = Snapshot(dir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed by a refused --resume");
    }

    [Fact]
    public void RunJsonAndTheCheckpointRecordTheSameFingerprint()
    {
        var (dir, data, _) = Interrupted();
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "run.json")));
        var fp = run.RootElement.GetProperty("fingerprint");
        var state = Checkpoint.ReadState(Path.Combine(dir, Checkpoint.Folder));
        Assert.NotNull(state.Fingerprint);
        Assert.Equal(fp.GetProperty("sha256").GetString(), state.Fingerprint!.Sha256);
        Assert.Equal(FineTuneRecipe.Fingerprint(Options(dir, data)).Sha256, state.Fingerprint.Sha256);
        Assert.Equal("0.01", state.Fingerprint.Options["--lr"]);
        Assert.Contains("--data", state.Fingerprint.Files.Keys);
        Assert.Contains("--model model.safetensors", state.Fingerprint.Files.Keys);
        Assert.Contains("--model tokenizer.json", state.Fingerprint.Files.Keys);
        // Where the run is written and how often it checkpoints do not define it; the rest does.
        Assert.Equal(state.Fingerprint.Sha256, FineTuneRecipe.Fingerprint(Options(Shared.TempDir(), data) with
            { Trainer = Options("", data).Trainer with { OutDir = Shared.TempDir(), CheckpointEvery = 7, Resume = true } }).Sha256);
        Assert.NotEqual(state.Fingerprint.Sha256, FineTuneRecipe.Fingerprint(Options(dir, data) with { BatchSize = 2 }).Sha256);
    }

    [Fact]
    public void ResumeWithAnotherLearningRateOrLengthIsRefusedAndChangesNothing()
    {
        var (dir, data, files) = Interrupted();
        var e = Assert.Throws<SharpTuneException>(() => FineTuneRecipe.Run(Options(dir, data, lr: 2e-2) with { Trainer = Options(dir, data, lr: 2e-2).Trainer with { Resume = true } }));
        Assert.Equal($"{dir}: --resume with a different run than the checkpoint's (--lr 0.01 → 0.02); resume with the run's own options and files, or start afresh with --force", e.Message);
        Unchanged(dir, files);
        // --max-steps is part of the run: the cosine schedule depends on it at every step.
        e = Assert.Throws<SharpTuneException>(() => FineTuneRecipe.Run(Options(dir, data, steps: 8) with { Trainer = Options(dir, data, steps: 8).Trainer with { Resume = true } }));
        Assert.Contains("(--max-steps 4 → 8)", e.Message);
        Unchanged(dir, files);
    }

    [Fact]
    public void ResumeAfterTheDataFileChangedIsRefused()
    {
        var (dir, data, files) = Interrupted();
        var lines = File.ReadAllLines(data);
        File.WriteAllLines(data, lines.Take(lines.Length - 1).Prepend(lines[^1])); // same examples, another order
        var e = Assert.Throws<SharpTuneException>(() => FineTuneRecipe.Run(Options(dir, data) with { Trainer = Options(dir, data).Trainer with { Resume = true } }));
        Assert.Equal($"{dir}: --resume with a different run than the checkpoint's (the --data file {Path.GetFileName(data)} changed since the run started); " +
                     "resume with the run's own options and files, or start afresh with --force", e.Message);
        Unchanged(dir, files);
    }

    [Fact]
    public void ResumeWithTheSameRunWorksFromAnotherPathAndCheckpointInterval()
    {
        var (dir, data, _) = Interrupted();
        var reference = FineTuneRecipe.Run(Options(Shared.TempDir(), data));
        // The same bytes under another name and a different --checkpoint-every are still the same run.
        var moved = Path.Combine(Shared.TempDir(), "moved.jsonl");
        File.Copy(data, moved);
        var resumed = FineTuneRecipe.Run(Options(dir, moved) with { Trainer = Options(dir, moved).Trainer with { Resume = true, CheckpointEvery = 1 } });
        Assert.False(resumed.Result.Cancelled);
        Assert.Equal(4, resumed.Result.Steps);
        Assert.Equal(reference.Result.Losses, resumed.Result.Losses);
    }

    [Fact]
    public void TheCliRefusesADifferentResumeWithOneLineAndExitCode2()
    {
        var dir = Path.Combine(Shared.TempDir(), "run");
        var data = TinyFixture.DataFile(8);
        string[] args = ["train", "--model", TinyFixture.ModelDir, "--data", data, "--out", dir, "--max-steps", "2", "--batch-size", "4",
            "--max-length", "256", "--rank", "2", "--checkpoint-every", "0"];
        var (code, _, err) = CliRunner.Run([.. args, "--lr", "0.001"]);
        Assert.True(code == 0, err);

        (code, _, err) = CliRunner.Run([.. args, "--resume", "--lr", "0.002"]);
        Assert.Equal(2, code);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{dir}: --resume with a different run than the checkpoint's (--lr 0.001 → 0.002)", line);

        (code, var output, err) = CliRunner.Run([.. args, "--resume", "--lr", "0.001"]);
        Assert.True(code == 0, err);
        Assert.Contains("finished at step 2", output);
    }

    [Fact]
    public void PretrainRefusesToResumeOnAChangedCorpus()
    {
        var dir = Shared.TempDir();
        var corpus = Path.Combine(dir, "corpus.txt");
        File.WriteAllText(corpus, string.Join("\n\n", JsonlReader.ReadPairs(TinyFixture.DataFile(12)).Select(DebianStanza.Format)));
        var outDir = Path.Combine(dir, "out");
        string[] args = ["pretrain", "--model-config", Path.Combine(TinyFixture.ModelDir, "config.json"), "--tokenizer", TinyFixture.ModelDir,
            "--data", corpus, "--out", outDir, "--max-steps", "2", "--block-size", "32", "--batch-size", "2", "--checkpoint-every", "0"];
        var (code, _, err) = CliRunner.Run(args);
        Assert.True(code == 0, err);
        File.AppendAllText(corpus, "\n\nPackage: extra\nDescription: one more document\n");
        (code, _, err) = CliRunner.Run([.. args, "--resume"]);
        Assert.Equal(2, code);
        Assert.Contains($"{outDir}: --resume with a different run than the checkpoint's (the --data file corpus.txt changed since the run started)", err);
        File.WriteAllText(corpus, File.ReadAllText(corpus)[..^"\n\nPackage: extra\nDescription: one more document\n".Length]);
        (code, _, err) = CliRunner.Run([.. args, "--resume"]);
        Assert.True(code == 0, err);
    }
}
