using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Evaluation;

/// <summary>What <c>sharptune check</c> found against a reference file.</summary>
public sealed record ReferenceCheckResult(double MaxAbsLogitDiff, double? Loss, double? ExpectedLoss, bool? GreedyMatch,
    int[]? ExpectedGreedy, int[]? ActualGreedy, double? MaxAbsScoreDiff)
{
    public double? LossDiff => Loss is double l && ExpectedLoss is double e ? Math.Abs(l - e) : null;

    public bool Passes(double tol) => MaxAbsLogitDiff <= tol && (LossDiff ?? 0) <= tol && GreedyMatch != false && (MaxAbsScoreDiff ?? 0) <= tol;
}

/// <summary>
/// Recomputes a reference file laid out like ../shared/golden/*/golden.safetensors: <c>input_ids</c>,
/// <c>logits</c>, optional <c>loss</c> (labels = input_ids), <c>greedy_ids</c> and <c>greedy_scores</c>.
/// </summary>
public static class ReferenceCheck
{
    /// <param name="logits">Forward used for the logits: ids [B,T] → [B,T',V]. T' > T when virtual tokens come first.</param>
    public static ReferenceCheckResult Run(string goldenPath, Func<Tensor, Tensor> logits, ILanguageModel model)
    {
        using var scope = NewDisposeScope();
        var golden = SafeTensorsFile.Open(goldenPath);
        foreach (var required in new[] { "input_ids", "logits" })
            if (!golden.Contains(required)) throw new SharpTuneException($"{goldenPath}: tensor '{required}' is missing");
        var ids = golden.Load("input_ids").to_type(ScalarType.Int64).to(model.Device);
        var expected = golden.Load("logits").to_type(ScalarType.Float32);
        using var _ = no_grad();
        var actual = logits(ids).to_type(ScalarType.Float32).cpu();
        if (!actual.shape.SequenceEqual(expected.shape))
            throw new SharpTuneException($"{goldenPath}: logits have shape [{string.Join(",", expected.shape)}], the model gives [{string.Join(",", actual.shape)}]");
        double maxDiff = (actual - expected).abs().max().item<float>();

        double? loss = null, expectedLoss = null;
        if (golden.Contains("loss"))
        {
            // Virtual positions (prompt tuning) carry label −100, as PEFT pads them.
            long extra = actual.shape[1] - ids.shape[1];
            var labels = ids.cpu();
            if (extra > 0) labels = cat([full(ids.shape[0], extra, CausalLmLoss.IgnoreIndex, ScalarType.Int64), labels], 1);
            loss = CausalLmLoss.Compute(actual, labels).item<float>();
            expectedLoss = golden.Load("loss").item<float>();
        }

        bool? greedyMatch = null;
        int[]? want = null, got = null;
        double? scoreDiff = null;
        if (golden.Contains("greedy_ids"))
        {
            var greedy = golden.Load("greedy_ids").to_type(ScalarType.Int64);
            var all = greedy[0].data<long>().Select(v => (int)v).ToArray();
            Tensor? scores = golden.Contains("greedy_scores") ? golden.Load("greedy_scores").to_type(ScalarType.Float32) : null;
            int promptLen = scores is not null ? all.Length - (int)scores.shape[0] : CommonPrefix(all, ids[0].cpu().data<long>().Select(v => (int)v).ToArray());
            promptLen = Math.Clamp(promptLen, 1, all.Length - 1);
            want = all[promptLen..];
            var result = new TextGenerator(model).Generate([all[..promptLen]], new GenerationOptions { MaxNewTokens = want.Length, EosTokenIds = [] });
            got = result[0].Tokens;
            greedyMatch = want.SequenceEqual(got);
            if (scores is not null && greedyMatch == true)
            {
                // Re-run the reference sequence step by step through the cache and compare each step's logits.
                using var cache = model.NewCache(1);
                double worst = 0;
                var seq = greedy.to(model.Device);
                for (int step = 0; step < want.Length; step++)
                {
                    var input = step == 0 ? seq.narrow(1, 0, promptLen) : seq.narrow(1, promptLen + step - 1, 1);
                    var mask = ones(1, promptLen + step, dtype: ScalarType.Int64, device: model.Device);
                    var l = model.Logits(input, mask, cache).select(1, -1).squeeze(0).to_type(ScalarType.Float32).cpu();
                    worst = Math.Max(worst, (l - scores[step]).abs().max().item<float>());
                }
                scoreDiff = worst;
            }
        }
        return new ReferenceCheckResult(maxDiff, loss, expectedLoss, greedyMatch, want, got, scoreDiff);
    }

    /// <summary>Max |Δ| between a stored logits tensor and a forward over the file's input_ids.</summary>
    public static double MaxAbsDiff(string goldenPath, string key, Func<Tensor, Tensor> logits, Device device)
    {
        using var scope = NewDisposeScope();
        var golden = SafeTensorsFile.Open(goldenPath);
        using var _ = no_grad();
        var actual = logits(golden.Load("input_ids").to(device)).to_type(ScalarType.Float32).cpu();
        return (actual - golden.Load(key)).abs().max().item<float>();
    }

    private static int CommonPrefix(int[] a, int[] b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }
}
