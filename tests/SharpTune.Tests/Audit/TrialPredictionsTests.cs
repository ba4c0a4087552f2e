using System.Text.Json;
using SharpTune.Data;
using SharpTune.Evaluation;

namespace SharpTune.Tests.Audit;

/// <summary>`trial --eval-predictions`: what the audit's folds read, one line per dev pair in order.</summary>
[Collection("console")]
public class TrialPredictionsTests
{
    [Fact]
    public void EachDevPairGetsItsOwnSummaryLossAndRougeL()
    {
        var dir = Shared.TempDir();
        var data = TinyFixture.DataFile(16);
        var dev = TinyFixture.DataFile(5, skip: 100);
        var predictions = Path.Combine(dir, "pred.jsonl");
        var result = Path.Combine(dir, "result.json");
        var (code, stdout, err) = CliRunner.Run("trial", "--model", TinyFixture.ModelDir, "--data", data, "--eval-data", dev, "--max-steps", "2", "--batch-size", "4",
            "--eval-injection-limit", "0", "--eval-predictions", predictions, "--out", Path.Combine(dir, "run"), "--result", result);
        Assert.True(code == 0, err + stdout);
        var pairs = JsonlReader.ReadPairs(dev);
        var lines = File.ReadAllLines(predictions).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(pairs.Select(p => p.Id), lines.Select(l => l.GetProperty("id").GetString()));
        for (int i = 0; i < pairs.Count; i++)
        {
            var prediction = lines[i].GetProperty("prediction").GetString()!;
            Assert.Equal(Rouge.L(prediction, pairs[i].Summary).F1, lines[i].GetProperty("rouge_l").GetDouble(), 12);
            // A 2-step model over a 600-token vocabulary: each label costs about ln 600 = 6.4 nats per token.
            Assert.InRange(lines[i].GetProperty("loss").GetDouble(), 3, 10);
            Assert.InRange(lines[i].GetProperty("prior_loss").GetDouble(), 3, 10);
        }
        // The prior is the label without its source: a different prompt, so a different loss for every pair.
        Assert.All(lines, l => Assert.NotEqual(l.GetProperty("loss").GetDouble(), l.GetProperty("prior_loss").GetDouble()));
        // The trial's dev loss is the token-weighted mean of these, so it lies between their extremes.
        var devLoss = JsonDocument.Parse(File.ReadAllText(result)).RootElement.GetProperty("metrics").GetProperty("dev_loss").GetDouble();
        Assert.InRange(devLoss, lines.Min(l => l.GetProperty("loss").GetDouble()) - 1e-9, lines.Max(l => l.GetProperty("loss").GetDouble()) + 1e-9);
    }
}
