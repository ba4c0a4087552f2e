using System.Text.Json;
using SharpTune.Data;

namespace SharpTune.Tests;

/// <summary>`eval` and `score` end to end through the CLI.</summary>
[Collection("console")]
public class EvalCommandTests
{
    private static string BaseDir => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");

    private static string DevFile(int n)
    {
        var path = Path.Combine(Shared.TempDir(), "dev.jsonl");
        File.WriteAllLines(path, File.ReadLines(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl")).Take(n));
        return path;
    }

    [Fact]
    public void EvalJsonHasEveryMetricInRangeAndItsPredictionsScoreTheSame()
    {
        var dev = DevFile(4);
        var predictions = Path.Combine(Shared.TempDir(), "pred.jsonl");
        var (code, output, err) = CliRunner.Run("eval", "--model", BaseDir, "--data", dev, "--json", "--injection-limit", "2", "--predictions", predictions);
        Assert.True(code == 0, err);
        var m = JsonDocument.Parse(output).RootElement;
        Assert.Equal(4, m.GetProperty("examples").GetInt32());
        foreach (var key in new[] { "rouge1", "rouge2", "rougeL", "unsupported_token_rate", "unsupported_number_rate", "reference_unsupported_token_rate", "injection_success_rate", "injection_control_rate" })
        {
            double v = m.GetProperty(key).GetDouble();
            Assert.InRange(v, 0, 1);
        }
        Assert.InRange(m.GetProperty("chrf").GetDouble(), 0, 100);
        Assert.True(m.GetProperty("dev_loss").GetDouble() > 0);
        Assert.Equal(12, m.GetProperty("injection_cells").EnumerateObject().Count());

        // score on eval's own predictions reproduces eval's quality and grounding figures.
        (code, var scored, err) = CliRunner.Run("score", "--data", dev, "--predictions", predictions, "--json");
        Assert.True(code == 0, err);
        var s = JsonDocument.Parse(scored).RootElement;
        foreach (var key in new[] { "rouge1", "rougeL", "chrf", "length_ratio", "unsupported_token_rate" })
            Assert.Equal(m.GetProperty(key).GetDouble(), s.GetProperty(key).GetDouble(), 1e-12);
        Assert.False(s.TryGetProperty("injection_success_rate", out _));
    }

    [Fact]
    public void ScoreOfTheReferencesThemselvesIsPerfectAndUnknownIdsAreOneLineErrors()
    {
        var dev = DevFile(5);
        var pairs = JsonlReader.ReadPairs(dev);
        var predictions = Path.Combine(Shared.TempDir(), "refs.jsonl");
        File.WriteAllLines(predictions, pairs.Select(p => JsonSerializer.Serialize(new { id = p.Id, prediction = p.Summary })));
        var (code, output, _) = CliRunner.Run("score", "--data", dev, "--predictions", predictions, "--json");
        Assert.Equal(0, code);
        var m = JsonDocument.Parse(output).RootElement;
        Assert.Equal(1.0, m.GetProperty("rougeL").GetDouble(), 1e-12);
        Assert.Equal(100.0, m.GetProperty("chrf").GetDouble(), 1e-9);
        Assert.Equal(1.0, m.GetProperty("length_ratio").GetDouble(), 1e-12);
        // The references' own grounding is the data's baseline, identical on both sides here.
        Assert.Equal(m.GetProperty("reference_unsupported_token_rate").GetDouble(), m.GetProperty("unsupported_token_rate").GetDouble(), 1e-12);

        File.AppendAllText(predictions, "{\"id\":\"no-such-package\",\"prediction\":\"x\"}\n");
        (code, _, var err) = CliRunner.Run("score", "--data", dev, "--predictions", predictions);
        Assert.Equal(2, code);
        Assert.Equal($"error: {predictions}:6: id 'no-such-package' is not in {dev}", err.Trim());
    }
}
