using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

public class MetricsEvaluatorTests
{
    [Fact]
    public void ScoreCombinesQualityLengthAndGroundingOfOutputsAndReferences()
    {
        var items = new List<(SummaryPair, string)>
        {
            (new SummaryPair("1", "fast json parser for rust", "json parser"), "json parser"),
            (new SummaryPair("2", "plotting library version 2", "plotting library"), "Plotting library 3"),
        };
        var m = MetricsEvaluator.Score(items);
        Assert.Equal(2, m.Examples);
        // Example 1 is exact (ROUGE-L 1); example 2: candidate {plotting, library, 3} vs {plotting, library}: P 2/3, R 1 → F 0.8.
        Assert.Equal((1 + 0.8) / 2, m.RougeL!.Value, 1e-12);
        Assert.Equal((11.0 + 18) / (11 + 16), m.LengthRatio!.Value, 1e-12);
        // Output 2 has the number 3, absent from its source: 1 of 3 content tokens, and one summary of two with an
        // unsupported number. The references are fully supported.
        Assert.Equal((0 + 1.0 / 3) / 2, m.UnsupportedTokenRate!.Value, 1e-12);
        Assert.Equal(0.5, m.UnsupportedNumberRate!.Value, 1e-12);
        Assert.Equal(0.0, m.ReferenceUnsupportedTokenRate!.Value);
        Assert.Equal(new Chrf().Corpus(["json parser", "Plotting library 3"], ["json parser", "plotting library"]), m.Chrf!.Value, 1e-12);
    }

    [Fact]
    public void MemorisationCountsOutputsCloserToTheNoisyLabelAndCanaryLeaks()
    {
        // The copier reproduces whatever followed "\nSummary:" in the prompt; planting a training answer there
        // makes a model that "memorised" it. Two replayed examples: one output equals the noisy label, one the clean.
        var (model, tok) = CopyingLanguageModel.OnShippedBase();
        const string template = "{source}\nSummary:";
        var noise = new List<NoisyLabel>
        {
            new("n1", "canary", "text one\nSummary: " + LabelNoise.Canary + "\n", "text one", LabelNoise.Canary),
            new("n2", "swap", "text two\nSummary: clean answer two\n", "clean answer two", "something else entirely"),
        };
        var dev = new List<SummaryPair> { new("d1", "plain\nSummary: " + LabelNoise.Canary + "\n", "plain"), new("d2", "other words", "other") };
        var m = MetricsEvaluator.Run(model, tok, dev, new EvalOptions { PairTemplate = template, Noise = noise, DevLoss = false }).Metrics;
        Assert.Equal(0.5, m.NoiseMemorisationRate);
        Assert.Equal(0.5, m.CanaryLeakRate);
    }

    [Fact]
    public void ReferenceLossEqualsTheTrainingLossOnTheSameTokens()
    {
        // Independent path: the trainer's masked causal-LM loss over prompt+answer with the prompt labelled −100.
        var tok = Tokenizer.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));
        using var model = ModelIO.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));
        var pairs = new List<SummaryPair> { new("a", "A tool for testing things.", "test tool"), new("b", "Fonts for the console.", "console fonts") };
        var o = new EvalOptions();
        double loss = MetricsEvaluator.ReferenceLoss(model, tok, pairs, o);
        double total = 0; long count = 0;
        foreach (var p in pairs)
        {
            var prompt = SummaryEvaluator.Prompt(tok, p, o.PairTemplate, o.MaxPromptTokens);
            int[] answer = [.. tok.Encode(" " + p.Summary, false), tok.EosTokenId!.Value];
            var ids = prompt.Concat(answer).Select(i => (long)i).ToArray();
            var labels = ids.Select((v, i) => i < prompt.Length ? SharpTune.Training.CausalLmLoss.IgnoreIndex : v).ToArray();
            using var input = TorchSharp.torch.tensor(ids).unsqueeze(0);
            using var lab = TorchSharp.torch.tensor(labels).unsqueeze(0);
            using var logits = model.Forward(input);
            using var l = SharpTune.Training.CausalLmLoss.Compute(logits, lab);
            total += l.item<float>() * answer.Length; count += answer.Length;
        }
        Assert.Equal(total / count, loss, 1e-4);
    }
}
