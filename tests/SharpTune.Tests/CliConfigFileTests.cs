using SharpTune.Cli;

namespace SharpTune.Tests;

/// <summary>`--config FILE` is the same JSON options file in every command that has it, and refuses what it does not know.</summary>
[Collection("console")]
public class CliConfigFileTests
{
    private static string Write(string json)
    {
        var path = Path.Combine(Shared.TempDir(), "options.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static string OneLineError(string[] args)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.True(code == 2, $"exit {code}: {err}");
        Assert.Equal("", output);
        return Assert.Single(err.TrimEnd('\n').Split('\n'));
    }

    [Theory]
    [InlineData("train")]
    [InlineData("pretrain")]
    [InlineData("demo")]
    public void UnknownKeysAreErrorsNamingTheKeyAndTheFile(string command)
    {
        var path = Write("""{"rnak": 64}""");
        var line = OneLineError([command, "--config", path]);
        Assert.StartsWith($"error: {path}: unknown option 'rnak' for {command}", line);
        if (command != "pretrain") Assert.Contains("(did you mean 'rank'?)", line); // pretrain has no --rank
    }

    [Theory]
    [InlineData("""{"rank": true}""", "option 'rank' expects a string or number, found a boolean")]
    [InlineData("""{"rank": 2.5}""", "--rank 2.5: expected a whole number")]
    [InlineData("""{"packing": "yes"}""", "option 'packing' is a flag; expected true or false, found a string")]
    [InlineData("""{"targets": {"a": 1}}""", "option 'targets' expects a string or number, found an object")]
    [InlineData("""{"config": "other.json"}""", "'config' cannot be set inside a config file")]
    [InlineData("""{"rank": 4, "rank": 8}""", "option 'rank' is given more than once")]
    [InlineData("""{"lora_dropout": 0.1, "lora-dropout": 0.2}""", "option 'lora-dropout' is given more than once")]
    [InlineData("""[1, 2]""", "expected a JSON object of option names, found a list")]
    [InlineData("""{"rank": 4""", "not valid JSON")]
    [InlineData("""{"unfreeze": [["x"]]}""", "option 'unfreeze' expects a string, number or list of them, found a list")]
    public void BadValuesAreErrorsNamingTheFile(string json, string expected)
    {
        var path = Write(json);
        var line = OneLineError(["train", "--config", path]);
        Assert.StartsWith($"error: {path}: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void ExpansionChecksEveryKeyAgainstTheCommandsOptionsAndTheCommandLineWins()
    {
        var path = Write("""{"model": "m", "data": "d", "lora_dropout": 0.1, "unfreeze": ["a", "b"], "packing": true, "dora": false, "rank": 4}""");
        var args = ConfigFile.Expand(["train", "--config", path, "--rank", "16", "--unfreeze", "c", "--out", "o"]);
        Assert.Equal(["train", "--model", "m", "--data", "d", "--lora-dropout", "0.1", "--packing", "--rank", "16", "--unfreeze", "c", "--out", "o"], args);
        // Commands without --config are left alone.
        Assert.Equal(["generate", "--config", path], ConfigFile.Expand(["generate", "--config", path]));
        Assert.Equal(["bench", "train", "--config", path], ConfigFile.Expand(["bench", "train", "--config", path]));
        Assert.Equal("error: unknown option --config for bench train; see sharptune bench train --help", OneLineError(["bench", "train", "--config", path]));
    }

    [Fact]
    public void PretrainReadsItsOptionsFromConfigAndTheArchitectureFromModelConfig()
    {
        var dir = Shared.TempDir();
        var corpus = Path.Combine(dir, "corpus.txt");
        File.WriteAllText(corpus, string.Join("\n\n", SharpTune.Data.JsonlReader.ReadPairs(TinyFixture.DataFile(12)).Select(SharpTune.Data.DebianStanza.Format)));
        var options = Write($$"""
            {"model_config": "{{Path.Combine(TinyFixture.ModelDir, "config.json")}}", "tokenizer": "{{TinyFixture.ModelDir}}", "data": ["{{corpus}}"],
             "max_steps": 2, "block_size": 32, "batch_size": 2, "checkpoint_every": 0, "seed": 3}
            """);
        var outDir = Path.Combine(dir, "out");
        var (code, output, err) = CliRunner.Run("pretrain", "--config", options, "--out", outDir, "--max-steps", "3");
        Assert.True(code == 0, err);
        Assert.Contains("finished at step 3", output); // the command line's --max-steps won over the file's 2
        var cfg = SharpTune.Models.ModelConfig.Load(Path.Combine(outDir, "config.json"));
        Assert.Equal(600, cfg.VocabSize); // the architecture of --model-config
        Assert.Equal(3, File.ReadLines(Path.Combine(outDir, "metrics.jsonl")).Count());
        // The old meaning of pretrain --config (a model config.json) is now an options file: its keys are refused by name.
        var line = OneLineError(["pretrain", "--config", Path.Combine(TinyFixture.ModelDir, "config.json"), "--out", outDir]);
        Assert.Contains("config.json: unknown option '", line);
    }
}
