using SharpTune.Cli;
using SharpTune.IO;

namespace SharpTune.Tests;

/// <summary>The CLI end to end, in process. One collection: Console redirection is process-wide.</summary>
[Collection("console")]
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void GenerateWithInputIdsPrintsTheReferenceGreedyIds()
    {
        var (code, output, _) = Run("generate", "--model", Shared.Golden("llama-tiny"), "--input-ids", "37,235,396,72,255,393,203,133",
            "--max-new-tokens", "12", "--print-ids");
        Assert.Equal(0, code);
        // greedy_ids of golden/llama-tiny after its 8 prompt tokens; EOS (2) never appears in them.
        Assert.Equal("[391,466,100,11,466,442,88,333,65,341,154,58]", output.Trim());
    }

    [Fact]
    public void PerplexityPrintsTheLibraryFigureAndRejectsAnEmptyCorpus()
    {
        var data = TinyFixture.DataFile(10);
        var (code, output, _) = Run("perplexity", "--model", TinyFixture.ModelDir, "--data", data, "--block-size", "64");
        Assert.Equal(0, code);
        var tok = SharpTune.Tokenization.Tokenizer.Load(TinyFixture.ModelDir);
        using var model = SharpTune.Models.ModelIO.Load(TinyFixture.ModelDir);
        var docs = SharpTune.Data.JsonlReader.ReadPairs(data).Select(SharpTune.Data.DebianStanza.Format);
        var r = SharpTune.Evaluation.CorpusPerplexity.Compute(model, SharpTune.Evaluation.CorpusPerplexity.Source(docs, tok, 64, model.Device));
        Assert.Contains($"perplexity {r.Perplexity:F2}", output);
        Assert.Contains($"{r.Tokens:N0} tokens", output);

        var empty = Path.Combine(Shared.TempDir(), "empty.txt");
        File.WriteAllText(empty, "\n\n");
        (code, _, var err) = Run("perplexity", "--model", TinyFixture.ModelDir, "--data", empty);
        Assert.Equal(2, code);
        Assert.Contains($"{empty}: no documents", err);
    }

    [Theory]
    [InlineData("llama-tiny")]
    [InlineData("qwen2-tiny")]
    [InlineData("gpt2-tiny")]
    public void CheckPassesOnTheGoldenFilesAndFailsOnAnotherModels(string name)
    {
        var (code, output, _) = Run("check", "--model", Shared.Golden(name), "--golden", Shared.Golden(name, "golden.safetensors"));
        Assert.Equal(0, code);
        Assert.Contains("PASS", output);
        Assert.Contains("greedy ids         match", output);
        var other = name == "llama-tiny" ? "qwen2-tiny" : "llama-tiny";
        var (bad, badOut, _) = Run("check", "--model", Shared.Golden(name), "--golden", Shared.Golden(other, "golden.safetensors"));
        Assert.Equal(1, bad);
        Assert.Contains("FAIL", badOut);
    }

    [Fact]
    public void TokenizeEncodesAndDecodes()
    {
        var tok = Shared.Golden("tokenizers", "mistral");
        Assert.Equal("[1,22557,28725,1526,28808]", Run("tokenize", "--tokenizer", tok, "Hello, world!").Out.Trim());
        Assert.Equal("[22557,28725,1526,28808]", Run("tokenize", "--tokenizer", tok, "--no-special", "Hello, world!").Out.Trim());
        Assert.Equal("Hello, world!", Run("tokenize", "--tokenizer", tok, "--decode", "22557,28725,1526,28808").Out.Trim());
    }

    [Fact]
    public void InitWritesALoadableSeededModelAndInfoDescribesIt()
    {
        var a = Shared.TempDir();
        var b = Shared.TempDir();
        Assert.Equal(0, Run("init", "--arch", "gpt2", "--size", "tiny", "--out", a, "--seed", "3").Code);
        Assert.Equal(0, Run("init", "--arch", "gpt2", "--size", "tiny", "--out", b, "--seed", "3").Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "model.safetensors")), File.ReadAllBytes(Path.Combine(b, "model.safetensors")));
        var (code, info, _) = Run("info", "--model", a);
        Assert.Equal(0, code);
        Assert.Contains("Gpt2", info);
        using var model = SharpTune.Models.ModelIO.Load(a);
        Assert.Contains($"{model.ParameterCount():N0}", info);

        var like = Shared.TempDir();
        Assert.Equal(0, Run("init", "--like", Shared.Golden("qwen2-tiny", "config.json"), "--out", like).Code);
        var cfg = SharpTune.Models.ModelConfig.Load(Path.Combine(like, "config.json"));
        Assert.Equal(SharpTune.Models.Architecture.Qwen2, cfg.Architecture);
        Assert.Equal(1e6, cfg.RopeTheta);
    }

    [Fact]
    public void BadInputGivesOneLineErrors()
    {
        var (code, _, err) = Run("generate", "--model", "/no/such/dir", "--input-ids", "1");
        Assert.Equal(2, code);
        Assert.Equal("error: /no/such/dir: model folder not found", err.Trim());
        (code, _, err) = Run("generate", "--model", Shared.Golden("llama-tiny"), "--prompt", "hi");
        Assert.Equal(2, code);
        Assert.Contains("no tokenizer.json", err);
        Assert.Single(err.Trim().Split('\n'));
        (code, _, err) = Run("generate", "--model", Shared.Golden("llama-tiny"), "--input-ids", "1,x");
        Assert.Equal(2, code);
        Assert.Contains("--input-ids 1,x: expected comma-separated integers", err);
        (code, _, err) = Run("generate", "--model", Shared.Golden("llama-tiny"), "--input-ids", "9999");
        Assert.Equal(2, code);
        Assert.Contains("[0, 512)", err);
    }
}

[Collection("console")]
public class CliTrainTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void TrainReadsAConfigFileAndTheCommandLineWins()
    {
        var dir = Shared.TempDir();
        var config = Path.Combine(dir, "run.json");
        File.WriteAllText(config, $$"""{"model": "{{TinyFixture.ModelDir}}", "data": "{{TinyFixture.DataFile(8)}}", "method": "prompt-tuning", "max-steps": 2, "batch-size": 4, "virtual-tokens": 3, "overflow": "truncate", "max-length": 256}""");
        var outDir = Path.Combine(dir, "out");
        var (code, output, err) = Run("train", "--config", config, "--method", "lora", "--rank", "2", "--targets", "q_proj", "--out", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("lora:", output);
        var cfg = SharpTune.Adapters.PeftConfig.Load(outDir);
        Assert.Equal("LORA", cfg.PeftType);
        Assert.Equal(2, cfg.R);
        Assert.Equal(2, File.ReadLines(Path.Combine(outDir, "metrics.jsonl")).Count());
    }

    [Fact]
    public void TrainWithDefaultOptionsOnTheShippedDataTruncatesTheOneLongExampleAndSaysSo()
    {
        var outDir = Path.Combine(Shared.TempDir(), "run");
        var data = Path.Combine(Shared.Root, "data", "debian-descriptions", "train.jsonl");
        // Line 18 is 573 tokens, over the default --max-length 512; --limit 18 keeps the run short but includes it.
        var (code, output, err) = Run("train", "--model", Path.Combine(Shared.RepoRoot, "models", "sharptune-base"), "--data", data, "--out", outDir,
            "--limit", "18", "--max-steps", "1", "--batch-size", "2");
        Assert.True(code == 0, err);
        Assert.Contains("lora: 18 examples", output);
        Assert.Contains("1 training example over --max-length 512: source truncated (answer kept)", output);
        using var run = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "run.json")));
        Assert.Equal(1, run.RootElement.GetProperty("truncated_examples").GetInt32());
        Assert.Equal(0, run.RootElement.GetProperty("skipped_examples").GetInt32());
    }

    [Fact]
    public void MergeWritesAModelThatMatchesTheAdapter()
    {
        var outDir = Shared.TempDir();
        var (code, _, err) = Run("merge", "--model", Shared.Golden("llama-tiny"), "--adapter", Shared.Golden("peft", "lora-r8"), "--out", outDir);
        Assert.True(code == 0, err);
        var (checkCode, output, _) = Run("check", "--model", outDir, "--golden", Shared.Golden("peft", "lora-r8", "golden.safetensors"));
        Assert.Equal(0, checkCode);
        Assert.Contains("PASS", output);
        var (adapterCode, adapterOut, _) = Run("check", "--model", Shared.Golden("llama-tiny"), "--adapter", Shared.Golden("peft", "prefix-tuning"),
            "--golden", Shared.Golden("peft", "prefix-tuning", "golden.safetensors"));
        Assert.Equal(0, adapterCode);
        Assert.Contains("PASS", adapterOut);
        var (bad, _, badErr) = Run("merge", "--model", Shared.Golden("llama-tiny"), "--adapter", Shared.Golden("peft", "prompt-tuning"), "--out", Shared.TempDir());
        Assert.Equal(2, bad);
        Assert.Contains("only LoRA adapters can be merged", badErr);
    }
}
