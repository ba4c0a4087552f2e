using System.Text.Json;
using SharpTune.Cli.Commands.Compare;

namespace SharpTune.Tests;

/// <summary>`bench compare`: the pairing and statistics, the one-line errors, and a real alternating run on a tiny shape.</summary>
[Collection("console")]
public class BenchCompareTests
{
    private static ComparedRun Run(string side, double tps, long rss) => new(side, "lora", tps, rss, "{}");

    [Fact]
    public void RatiosPairEachSharpTuneRunWithThePyTorchRunAfterIt()
    {
        var c = new Comparison("lora",
            [Run("sharptune", 100, 10), Run("sharptune", 60, 30), Run("sharptune", 90, 20)],
            [Run("pytorch", 50, 40), Run("pytorch", 60, 40), Run("pytorch", 30, 50)]);
        Assert.Equal([2.0, 1.0, 3.0], c.SpeedRatios);
        Assert.Equal((1.0, 2.0, 3.0), (c.MinRatio, c.MedianRatio, c.MaxRatio));
        Assert.Equal(90, c.SharpTuneTokensPerSecond);   // medians of each side, not the ratio of means
        Assert.Equal(50, c.PyTorchTokensPerSecond);
        Assert.Equal(30.0 / 50, c.RssRatio);              // largest peak of each side
        Assert.Equal(2.5, Comparison.Median([4, 1, 3, 2]));
    }

    [Fact]
    public void AMissingInterpreterIsOneLineNamingTheOptionAndTheAptCommand()
    {
        var (code, _, err) = CliRunner.Run("bench", "compare", "--python", "/nonexistent/python3", "--like", Shared.Golden("llama-tiny", "config.json"));
        Assert.Equal(2, code);
        var line = Assert.Single(err.Trim().Split('\n'));
        Assert.Contains("--python /nonexistent/python3", line);
        Assert.Contains("apt-get install -y python3-torch libopenblas0-openmp", line);
    }

    [SkippableFact]
    public void ATinyShapeRunsBothSidesAlternatelyAndReportsEachWorkload()
    {
        var missing = PyTorchReference.Unavailable();
        Skip.If(missing is not null, $"the PyTorch reference cannot run here: {missing}");
        var (code, stdout, err) = CliRunner.Run("bench", "compare", "--like", Shared.Golden("qwen2-tiny", "config.json"), "--workload", "lora,generate",
            "--rounds", "2", "--batch-size", "1", "--seq-len", "8", "--steps", "1", "--warmup-steps", "0", "--prompt-tokens", "4", "--new-tokens", "4",
            "--repeats", "1", "--json");
        Assert.True(code == 0, err);
        var rows = stdout.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["lora", "generate"], rows.Select(r => r.GetProperty("Workload").GetString()));
        foreach (var r in rows)
        {
            var ratios = r.GetProperty("Ratios").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(2, ratios.Length);
            Assert.All(ratios, x => Assert.True(x > 0 && double.IsFinite(x)));
            Assert.Equal(ratios.Min(), r.GetProperty("MinRatio").GetDouble());
            Assert.Equal(ratios.Average(), r.GetProperty("MedianRatio").GetDouble(), 12);
            Assert.True(r.GetProperty("SharpTuneTokensPerSecond").GetDouble() > 0 && r.GetProperty("PyTorchTokensPerSecond").GetDouble() > 0);
            Assert.True(r.GetProperty("SharpTunePeakRssBytes").GetInt64() > 0 && r.GetProperty("PyTorchPeakRssBytes").GetInt64() > 0);
        }
    }
}
