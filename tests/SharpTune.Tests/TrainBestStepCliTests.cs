using System.Text.Json;
using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// `train --dev --eval-every` saves the best dev-loss step's weights and says which step it was (run.json, the
/// final line): they equal those of a run stopped at that step (constant schedule, so the runs share every
/// step's learning rate).
/// </summary>
[Collection("console")]
public class TrainBestStepCliTests
{
    [Fact]
    public void TrainSavesTheBestStepsWeightsAndRecordsTheStep()
    {
        var root = Shared.TempDir();
        // Full fine-tuning of four examples at a high rate overfits within a few steps: the dev loss falls, then rises.
        string[] common = ["train", "--model", TinyFixture.ModelDir, "--data", TinyFixture.DataFile(4), "--batch-size", "4", "--max-length", "128",
            "--method", "full", "--lr", "0.01", "--schedule", "constant", "--checkpoint-every", "0"];
        var withEval = Path.Combine(root, "eval");
        var (code, output, err) = CliRunner.Run([.. common, "--max-steps", "8", "--dev", TinyFixture.DataFile(4, skip: 100), "--eval-every", "1", "--out", withEval]);
        Assert.True(code == 0, err);

        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(withEval, "run.json")));
        var evals = File.ReadLines(Path.Combine(withEval, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (Step: e.GetProperty("step").GetInt64(), Loss: e.GetProperty("eval_loss").GetDouble())).ToList();
        long best = run.RootElement.GetProperty("best_step").GetInt64();
        Assert.Equal(evals.MinBy(e => e.Loss).Step, best);
        Assert.Equal(evals.Min(e => e.Loss), run.RootElement.GetProperty("best_eval_loss").GetDouble(), 1e-9);
        Assert.True(best > 1 && best < 8, $"the best step should be a middle one: {string.Join(", ", evals.Select(e => $"{e.Step}: {e.Loss:F4}"))}");
        Assert.Equal(8, run.RootElement.GetProperty("steps").GetInt64());
        Assert.Contains($"at step {best} (the saved result)", output);

        var shorter = Path.Combine(root, "short");
        (code, _, err) = CliRunner.Run([.. common, "--max-steps", best.ToString(), "--out", shorter]);
        Assert.True(code == 0, err);
        var last = Path.Combine(root, "last");
        (code, _, err) = CliRunner.Run([.. common, "--max-steps", "8", "--out", last]);
        Assert.True(code == 0, err);

        var saved = Tensors(withEval);
        Assert.Equal(Tensors(shorter).Keys.Order(), saved.Keys.Order());
        foreach (var (name, t) in Tensors(shorter)) Assert.True(t.eq(saved[name]).all().item<bool>(), $"{name}: the saved model is not step {best}'s");
        // …and not the last step's, which is what a run without the best checkpoint would have saved.
        Assert.Contains(Tensors(last), kv => !kv.Value.eq(saved[kv.Key]).all().item<bool>());
    }

    private static Dictionary<string, Tensor> Tensors(string dir)
    {
        var f = SafeTensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        return f.Tensors.Keys.ToDictionary(k => k, f.Load);
    }
}
