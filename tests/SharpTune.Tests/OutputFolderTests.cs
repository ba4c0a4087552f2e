using SharpTune.IO;

namespace SharpTune.Tests;

/// <summary>No command overwrites a model, adapter, tokenizer or run folder unless told (--force; --resume for runs).</summary>
[Collection("console")]
public class OutputFolderTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static void AssertOneLineError(string expected, (int Code, string Out, string Err) r)
    {
        Assert.Equal(2, r.Code);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains(expected, r.Err);
    }

    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    private static void AssertNoLeftovers(string dir) =>
        Assert.Empty(Directory.GetDirectories(Path.GetDirectoryName(Path.GetFullPath(dir))!, $".{Path.GetFileName(dir)}.*"));

    [Fact]
    public void InitRefusesAnExistingModelUnlessForcedAndThenReplacesItWhole()
    {
        var dir = Path.Combine(Shared.TempDir(), "model");
        Assert.Equal(0, Run("init", "--arch", "gpt2", "--out", dir, "--seed", "1").Code);
        var before = Snapshot(dir);
        AssertOneLineError($"--out {dir}: the folder exists and is not empty; pass --force to replace it", Run("init", "--arch", "gpt2", "--out", dir, "--seed", "2"));
        Assert.Equal(before, Snapshot(dir));

        // --force replaces the folder as a whole: a llama written over a gpt2 leaves no gpt2 file behind.
        File.WriteAllText(Path.Combine(dir, "stale.txt"), "from the old model");
        Assert.Equal(0, Run("init", "--arch", "llama", "--out", dir, "--seed", "2", "--force").Code);
        Assert.False(File.Exists(Path.Combine(dir, "stale.txt")));
        Assert.Contains("llama", File.ReadAllText(Path.Combine(dir, "config.json")));
        AssertNoLeftovers(dir);

        var file = Path.Combine(Shared.TempDir(), "model.safetensors");
        File.WriteAllText(file, "x");
        AssertOneLineError($"--out {file} is an existing file; expected a folder", Run("init", "--out", file, "--force"));
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void ForceNeverReplacesAFolderThatHoldsNoModelOrRun()
    {
        var dir = Shared.TempDir();
        File.WriteAllText(Path.Combine(dir, "thesis.tex"), "years of work");
        AssertOneLineError("refusing to replace it even with --force", Run("init", "--out", dir, "--force"));
        Assert.Equal("years of work", File.ReadAllText(Path.Combine(dir, "thesis.tex")));
    }

    [Fact]
    public void MergeNeverWritesIntoItsInputsEvenWithForce()
    {
        var model = Path.Combine(Shared.TempDir(), "base");
        Assert.Equal(0, Run("init", "--like", Shared.Golden("llama-tiny", "config.json"), "--out", model).Code);
        var adapter = Shared.Golden("peft", "lora-r8");
        var before = Snapshot(model);
        AssertOneLineError($"--out {model} is the --model folder", Run("merge", "--model", model, "--adapter", adapter, "--out", model, "--force"));
        AssertOneLineError($"--out {model}/ is the --model folder", Run("merge", "--model", model, "--adapter", adapter, "--out", model + "/", "--force"));
        AssertOneLineError("is inside the --model folder", Run("merge", "--model", model, "--adapter", adapter, "--out", Path.Combine(model, "merged"), "--force"));
        AssertOneLineError("is inside the --adapter folder", Run("merge", "--model", model, "--adapter", adapter, "--out", Path.Combine(adapter, "merged")));
        AssertOneLineError("which --force would delete", Run("merge", "--model", model, "--adapter", adapter, "--out", Path.GetDirectoryName(model)!, "--force"));
        // A symbolic link does not hide that --out is the model.
        var link = Path.Combine(Shared.TempDir(), "link");
        Directory.CreateSymbolicLink(link, model);
        AssertOneLineError("is the --model folder", Run("merge", "--model", model, "--adapter", adapter, "--out", link, "--force"));
        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void TokenizerTrainRefusesAnExistingTokenizerUnlessForced()
    {
        var corpus = Path.Combine(Shared.TempDir(), "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 200).Select(i => $"package {i} provides tools for the library number {i % 7}\n"));
        var dir = Path.Combine(Shared.TempDir(), "tok");
        Assert.Equal(0, Run("tokenizer", "train", "--input", corpus, "--vocab-size", "300", "--out", dir).Code);
        var before = Snapshot(dir);
        AssertOneLineError("pass --force to replace it", Run("tokenizer", "train", "--input", corpus, "--vocab-size", "280", "--out", dir));
        Assert.Equal(before, Snapshot(dir));
        Assert.Equal(0, Run("tokenizer", "train", "--input", corpus, "--vocab-size", "280", "--out", dir, "--force").Code);
        Assert.Equal(280, SharpTune.Tokenization.Tokenizer.Load(dir).VocabSize);
        AssertNoLeftovers(dir);
    }

    [Fact]
    public void TrainRefusesAPreviousRunUnlessResumedOrForced()
    {
        var data = TinyFixture.DataFile(8);
        string[] Train(string outDir, params string[] extra) =>
            ["train", "--model", TinyFixture.ModelDir, "--data", data, "--method", "lora", "--rank", "2", "--targets", "q_proj", "--batch-size", "4",
             "--max-length", "256", "--overflow", "truncate", "--out", outDir, .. extra];
        var dir = Path.Combine(Shared.TempDir(), "run");
        Assert.Equal(0, Run(Train(dir, "--max-steps", "2")).Code);
        var before = Snapshot(dir);

        AssertOneLineError($"--out {dir}: the folder exists and is not empty (a previous run?); pass --resume to continue it or --force to replace it",
            Run(Train(dir, "--max-steps", "3")));
        AssertOneLineError("--resume and --force contradict each other", Run(Train(dir, "--max-steps", "3", "--resume", "--force")));
        // A longer --max-steps is another run (the cosine schedule depends on it at every step), not a continuation.
        AssertOneLineError($"{dir}: --resume with a different run than the checkpoint's (--max-steps 2 → 3)", Run(Train(dir, "--max-steps", "3", "--resume")));
        Assert.Equal(before, Snapshot(dir));

        // --resume continues the run (this one had finished: nothing to add, its metrics stay as they were).
        var metrics = Path.Combine(dir, "metrics.jsonl");
        var first = File.ReadAllLines(metrics);
        Assert.Equal(0, Run(Train(dir, "--max-steps", "2", "--resume")).Code);
        Assert.Equal(first, File.ReadAllLines(metrics));

        // --force starts over in a fresh folder.
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "old");
        Assert.Equal(0, Run(Train(dir, "--max-steps", "1", "--force")).Code);
        Assert.Single(File.ReadAllLines(metrics));
        Assert.False(File.Exists(Path.Combine(dir, "notes.txt")));
        AssertNoLeftovers(dir);

        // --resume with nothing to resume says so and stops.
        var empty = Shared.TempDir();
        AssertOneLineError($"{empty}: no checkpoint to resume from", Run(Train(empty, "--max-steps", "2", "--resume")));
        Assert.Empty(Directory.GetFileSystemEntries(empty));
        // --out equal to the base model is refused even with --force (the run would delete its own input).
        var model = Shared.TempDir();
        foreach (var f in Directory.GetFiles(TinyFixture.ModelDir)) File.Copy(f, Path.Combine(model, Path.GetFileName(f)));
        var modelBefore = Snapshot(model);
        var r = Run(["train", "--model", model, "--data", data, "--max-steps", "1", "--out", model, "--force"]);
        AssertOneLineError($"--out {model} is the --model folder", r);
        Assert.Equal(modelBefore, Snapshot(model));
    }

    [Fact]
    public void PretrainAndDemoRefuseAPreviousRunBeforeAnyWork()
    {
        var run = Shared.TempDir();
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), """{"step":1,"loss":2.0}""" + "\n");
        var before = Snapshot(run);
        // The inputs need not exist: the refusal comes first.
        AssertOneLineError("pass --resume to continue it or --force to replace it",
            Run("pretrain", "--model-config", "/no/config.json", "--tokenizer", "/no/tok", "--data", "/no/corpus.txt", "--out", run));
        AssertOneLineError("pass --resume to continue it or --force to replace it",
            Run("demo", "--model", TinyFixture.ModelDir, "--data", "/no/train.jsonl", "--dev", "/no/dev.jsonl", "--out", run));
        AssertOneLineError($"{Path.Combine(run, "adapter")}: no checkpoint to resume from",
            Run("demo", "--model", TinyFixture.ModelDir, "--data", "/no/train.jsonl", "--dev", "/no/dev.jsonl", "--out", run, "--resume"));
        AssertOneLineError($"{run}: no checkpoint to resume from",
            Run("pretrain", "--model-config", "/no/config.json", "--tokenizer", "/no/tok", "--data", "/no/corpus.txt", "--out", run, "--resume"));
        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void AFailedWriteLeavesTheOldFolderWhole()
    {
        var dir = Path.Combine(Shared.TempDir(), "model");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), "old");
        File.WriteAllText(Path.Combine(dir, "model.safetensors"), "old weights");
        var before = Snapshot(dir);
        Assert.Throws<IOException>(() => OutputFolder.Write(dir, force: true, [], tmp =>
        {
            File.WriteAllText(Path.Combine(tmp, "config.json"), "new");
            throw new IOException("disk full");
        }));
        Assert.Equal(before, Snapshot(dir));
        AssertNoLeftovers(dir);
    }
}
