using System.Globalization;
using System.Text.Json;
using SharpTune.Study;
using SharpTune.Study.Recommendation;

namespace SharpTune.Tests;

/// <summary>
/// `recommend` on synthetic sweeps whose right answer is known by construction. Three seeds are written as
/// mean − d, mean, mean + d, so a config's SE is exactly d/√3 (d = 0.005 → 0.00289, d = 0.006 → 0.00346); every
/// expected answer below is derived by hand from those numbers and the rules.
/// </summary>
[Collection("console")]
public class RecommendationTests
{
    private sealed record Cfg(string Method, int? Rank, int Data, double RougeL)
    {
        public double Spread { get; init; } = 0.005;
        public int Seeds { get; init; } = 3;
        public double Noise { get; init; }
        public string? Scaling { get; init; }
        public double Unsupported { get; init; } = 0.42;
        public double? Reference { get; init; } = 0.40;
        public double? Injection { get; init; } = 0.05;
        public double? Memorisation { get; init; }

        // Cost grows with what is trained: LoRA with the rank, full FT is the whole 3.9M base, prompt tuning a few vectors.
        public long Parameters => Method switch
        {
            "lora" => Rank!.Value * 20_000L,
            "full" => 3_900_000,
            "unfreeze" => 800_000,
            _ => 2_560,
        };
    }

    private static IEnumerable<TrialRecord> Trials(Cfg c)
    {
        double[] offsets = c.Seeds == 1 ? [0] : [-c.Spread, 0, c.Spread];
        for (int s = 0; s < offsets.Length; s++)
        {
            var settings = new Dictionary<string, string>
            {
                ["method"] = c.Method,
                ["train_examples"] = c.Data.ToString(CultureInfo.InvariantCulture),
                ["noise"] = c.Noise.ToString(CultureInfo.InvariantCulture),
                ["lr"] = "0.002",
                ["seed"] = (s + 1).ToString(CultureInfo.InvariantCulture),
            };
            if (c.Rank is { } r) settings["rank"] = r.ToString(CultureInfo.InvariantCulture);
            if (c.Scaling is { } sc) settings["scaling"] = sc;
            yield return new TrialRecord
            {
                Id = string.Join("-", settings.OrderBy(kv => kv.Key).Select(kv => kv.Value)),
                Settings = settings,
                Status = TrialStatus.Finished,
                Metrics = new TrialMetrics
                {
                    Examples = 200,
                    RougeL = c.RougeL + offsets[s],
                    Chrf = 100 * (c.RougeL + offsets[s]),
                    UnsupportedTokenRate = c.Unsupported,
                    ReferenceUnsupportedTokenRate = c.Reference,
                    InjectionSuccessRate = c.Injection,
                    NoiseMemorisationRate = c.Memorisation,
                    TrainableParameters = c.Parameters,
                    TrainSeconds = c.Data / 100.0 * (c.Method == "full" ? 3 : 1) + (c.Rank ?? 0) * 0.1,
                },
            };
        }
    }

    private static List<TrialRecord> Sweep(params Cfg[] configs) => configs.SelectMany(Trials).ToList();

    private static Cfg Lora(int rank, int data, double rougeL) => new("lora", rank, data, rougeL);

    // Rank sweep 4…512 at 5k examples: quality jumps from r=4 to r=8, then wanders within a few thousandths.
    private static readonly (int Rank, double RougeL)[] RankCurve =
        [(4, 0.200), (8, 0.2465), (16, 0.246), (32, 0.247), (64, 0.247), (128, 0.249), (256, 0.248), (512, 0.248)];

    [Fact]
    public void RankCurveRecommendsTheCheapestRankWithinOneSeOfTheBest()
    {
        // SE = 0.006/√3 = 0.00346. The best mean is r=128 (0.249); one SE below it is 0.24554. r=8 (0.2465) is above
        // that and has the fewest parameters among those above it (r=4, at 0.200, is far below) → r=8, not r=128.
        var sweep = Sweep(RankCurve.Select(p => Lora(p.Rank, 5000, p.RougeL) with { Spread = 0.006 }).ToArray());
        var r = Recommender.Recommend(sweep);
        Assert.Equal("lora", r.Method);
        Assert.Equal(8, r.Rank);
        Assert.Equal(5000, r.TrainExamples);
        Assert.Equal(0.2465, r.Recommended!.RougeL.Mean, 12);
        Assert.Equal(0.006 / Math.Sqrt(3), r.Recommended.RougeL.Se!.Value, 12);
        Assert.Contains(r.Reasons, s => s.Contains("0.2490 − 0.0035 = 0.2455"));
        Assert.Contains(r.Reasons, s => s.Contains("lora r=128") && s.Contains("Best mean"));
        // Plateau at r=8: no larger rank gains ≥ max(SE, 1% of 0.2465) = 0.00346 over it (the most is r=128, +0.0025),
        // while r=8 gains 0.0465 over r=4.
        Assert.Equal(8, r.PlateauRank);
        Assert.Null(r.PlateauTrainExamples);

        // Contrast: the same means with a seed spread of 0.0001 make r=128 significantly best — the SE is really used.
        var tight = Recommender.Recommend(Sweep(RankCurve.Select(p => Lora(p.Rank, 5000, p.RougeL) with { Spread = 0.0001 }).ToArray()));
        Assert.Equal(128, tight.Rank);
    }

    [Fact]
    public void APlateauMustHoldForEveryLargerValueNotJustTheNextOne()
    {
        // r=8 → r=16 loses 0.0005, but r=32 then gains 0.015 over r=8 (≫ 0.0029): r=8 is a dip, not a plateau. From r=32
        // on, r=64 adds 0.001 < max(0.0029, 0.0026) → the plateau is r=32.
        var r = Recommender.Recommend(Sweep(Lora(4, 5000, 0.200), Lora(8, 5000, 0.245), Lora(16, 5000, 0.2445),
            Lora(32, 5000, 0.260), Lora(64, 5000, 0.261)));
        Assert.Equal(32, r.PlateauRank);
        var plateau = Assert.Single(r.Plateaus);
        Assert.Contains("plateau at r=32 (ROUGE-L 0.2600)", plateau.Explanation);
        // The curve is named by what sets it apart; the learning rate every trial shares is left out, as in labels.
        Assert.Equal("lora, 5,000 examples, varying rank", plateau.Curve);
    }

    [Fact]
    public void CheapestMeansFewestTrainableParametersFirstThenTrainingTime()
    {
        // Both are within one SE of each other (0.2400 vs 0.2410, SE 0.0029). r=8 on 20k has half the parameters of
        // r=16 on 5k (160,000 vs 320,000) but trains four times longer (200.8 s vs 51.6 s): parameters decide → r=8, 20k.
        var r = Recommender.Recommend(Sweep(Lora(8, 20000, 0.240), Lora(16, 5000, 0.241)));
        Assert.Equal(8, r.Rank);
        Assert.Equal(20000, r.TrainExamples);
        Assert.Contains(r.Reasons, s => s.Contains("the cheapest is lora r=8, 20,000 examples") && s.Contains("160,000 trainable parameters, 201 s training"));
    }

    [Fact]
    public void HighRankThatClingsToLabelErrorsIsDroppedAndItsOptionCanReadmitIt()
    {
        // Clean ranks 8/32/128 (0.240/0.250/0.270, SE 0.0029): r=128 is clearly best on quality alone. The noise sweep
        // (20% corrupted labels) measures memorisation 0.20/0.35/0.62 for the same ranks; 0.62 > 0.50 drops r=128, so the
        // best passing config is r=32 (r=8 is 0.010 below it, outside one SE).
        var sweep = Sweep(
            Lora(8, 5000, 0.240), Lora(32, 5000, 0.250), Lora(128, 5000, 0.270),
            Lora(8, 5000, 0.220) with { Noise = 0.2, Memorisation = 0.20 },
            Lora(32, 5000, 0.225) with { Noise = 0.2, Memorisation = 0.35 },
            Lora(128, 5000, 0.230) with { Noise = 0.2, Memorisation = 0.62 });
        var r = Recommender.Recommend(sweep);
        Assert.Equal(32, r.Rank);
        Assert.Equal(0, r.Recommended!.Noise);
        var d = Assert.Single(r.Dropped);
        Assert.Equal(128, d.Config.Rank);
        Assert.Contains("clings to label errors: memorisation 0.6200 > 0.5000", Assert.Single(d.Why));
        Assert.Contains("noise 0.2", d.Why[0]);
        Assert.Contains(r.Reasons, s => s.Contains("3 trained on noisier labels"));

        // Raising the limit above 0.62 re-admits r=128, which then wins on quality.
        var lenient = Recommender.Recommend(sweep, new RecommendationOptions { MaxMemorisation = 0.7 });
        Assert.Equal(128, lenient.Rank);
        Assert.Empty(lenient.Dropped);
    }

    [Fact]
    public void HallucinationIsMeasuredAboveTheReferencesOwnBaseline()
    {
        // References leave 0.40 of their content tokens unsupported. r=8 at 0.45 is 0.05 above that (passes 0.10) although
        // 0.45 absolute would fail an absolute limit; r=32 at 0.55 is 0.15 above (dropped) although it scores higher.
        var sweep = Sweep(Lora(8, 5000, 0.240) with { Unsupported = 0.45 }, Lora(32, 5000, 0.260) with { Unsupported = 0.55 });
        var r = Recommender.Recommend(sweep);
        Assert.Equal(8, r.Rank);
        Assert.Equal(0.05, r.Recommended!.HallucinationExcess!.Mean, 12);
        Assert.Contains("hallucination: unsupported-token rate 0.1500 above the references' (limit 0.1000)", Assert.Single(r.Dropped).Why[0]);
    }

    // LoRA r=8 data-size curve: steep to 10k, then +0.002 and +0.0025 — less than one SE (0.00289).
    private static readonly (int Data, double RougeL)[] DataCurve =
        [(1000, 0.150), (2000, 0.180), (5000, 0.210), (10000, 0.240), (20000, 0.242), (50000, 0.2425)];

    [Fact]
    public void DataSizeCurvePlateausAt10kAndTheOneSeRulePicksThe10kConfig()
    {
        // 5k → 10k gains 0.030 (≫ margin); from 10k on the largest gain is +0.0025 < max(0.00289, 0.0024) → plateau 10k.
        // One SE below the best (50k, 0.2425) is 0.2396: 10k (0.240), 20k and 50k are within; same rank, so the cheaper
        // training time decides → 10k.
        var r = Recommender.Recommend(Sweep(DataCurve.Select(p => Lora(8, p.Data, p.RougeL)).ToArray()));
        Assert.Equal(10000, r.PlateauTrainExamples);
        Assert.Equal(10000, r.TrainExamples);
        var plateau = Assert.Single(r.Plateaus);
        Assert.Equal("train_examples", plateau.Axis);
        Assert.Equal([1000, 2000, 5000, 10000, 20000, 50000], plateau.Points.Select(p => p.X));
        // No rank curve: LoRA's ceiling is unknown, so the next step is a rank sweep, not full fine-tuning.
        Assert.False(r.LoraCeilingReached);
        Assert.Contains("sweep LoRA rank", r.NextStep);
    }

    /// <summary>
    /// The study's own data-size sweep couples the step settings to the size (configs/study/data-sizes.yaml: one epoch
    /// each, so max_steps, warmup and eval_every grow with the data): those points still form one curve. The study's
    /// first publication said "no data-size curve" because `warmup` was not among the coupled names.
    /// </summary>
    [Fact]
    public void An_equal_epoch_sweep_with_coupled_warmup_and_steps_still_forms_the_data_size_curve()
    {
        var trials = Sweep(DataCurve.Select(p => Lora(8, p.Data, p.RougeL)).ToArray()).Select(t =>
        {
            int n = int.Parse(t.Settings["train_examples"], CultureInfo.InvariantCulture);
            var settings = new Dictionary<string, string>(t.Settings)
            {
                ["max_steps"] = (n / 8).ToString(CultureInfo.InvariantCulture), ["warmup"] = Math.Min(100, n / 80).ToString(CultureInfo.InvariantCulture),
                ["eval_every"] = Math.Max(25, n / 80).ToString(CultureInfo.InvariantCulture),
            };
            return t with { Settings = settings };
        }).ToList();
        var r = Recommender.Recommend(trials);
        var plateau = Assert.Single(r.Plateaus);
        Assert.Equal("train_examples", plateau.Axis);
        Assert.Equal([1000, 2000, 5000, 10000, 20000, 50000], plateau.Points.Select(p => p.X));
        Assert.Equal(10000, r.PlateauTrainExamples);
    }

    [Fact]
    public void DataCurveStillRisingIsNotAPlateauAndTheNextStepIsMoreData()
    {
        // Each size gains ≥ 0.02 over the previous one up to 50k: no plateau; the rank curve is flat from r=8.
        var sweep = Sweep(Lora(4, 50000, 0.20), Lora(8, 50000, 0.30), Lora(16, 50000, 0.301),
            Lora(8, 1000, 0.20), Lora(8, 10000, 0.24), Lora(8, 20000, 0.27));
        var r = Recommender.Recommend(sweep);
        Assert.Equal(8, r.PlateauRank);
        Assert.Null(r.PlateauTrainExamples);
        Assert.False(r.LoraCeilingReached);
        Assert.Contains("quality still rises with data", r.NextStep);
        Assert.Contains("50,000 still gains 0.0300 over 20,000", r.NextStep);
        Assert.DoesNotContain(".)", r.NextStep);
        Assert.Contains("Full fine-tuning is premature", r.NextStep);
    }

    // A LoRA study whose ceiling is reached: rank curve at 50k (plateau r=8) and the r=8 data curve (plateau 10k).
    private static List<Cfg> LoraAtCeiling(int maxData = 50000) =>
    [
        .. DataCurve.Where(p => p.Data <= maxData).Select(p => Lora(8, p.Data, p.RougeL)),
        Lora(4, maxData, 0.200), Lora(16, maxData, DataCurve.First(p => p.Data == maxData).RougeL + 0.0005),
        Lora(32, maxData, DataCurve.First(p => p.Data == maxData).RougeL + 0.001),
    ];

    [Fact]
    public void FullFineTuningClearlyBetterAt50kOnCleanDataIsTheSwitch()
    {
        // LoRA plateaus at r=8 and 10k; full FT at 50k scores 0.300 against the best LoRA at 50k (r=32, 0.2435): +0.0565,
        // far above the margin, with low injection and hallucination → it is the recommendation and the next step is to switch.
        var r = Recommender.Recommend(Sweep([.. LoraAtCeiling(), new Cfg("full", null, 50000, 0.300)]));
        Assert.Equal("full", r.Method);
        Assert.Equal(50000, r.TrainExamples);
        Assert.True(r.LoraCeilingReached);
        Assert.Equal(8, r.PlateauRank);
        Assert.Equal(10000, r.PlateauTrainExamples);
        Assert.Contains("switch to full fine-tuning", r.NextStep);
        Assert.Contains("ROUGE-L 0.3000 against 0.2435 for lora r=32", r.NextStep);
    }

    [Fact]
    public void FullFineTuningNotBetterAt50kMeansStayWithLora()
    {
        // Full FT at 50k at 0.2445 is only +0.001 over LoRA r=32 (0.2435): within max(SE 0.0029, 1%) → no switch. Full FT
        // is the best mean, but one SE below it is 0.2416: 10k (0.240) is just outside, and the cheapest config inside is
        // r=8 (fewest parameters) at 20k (0.242, less training time than 50k).
        var r = Recommender.Recommend(Sweep([.. LoraAtCeiling(), new Cfg("full", null, 50000, 0.2445)]));
        Assert.Equal("lora", r.Method);
        Assert.Equal(8, r.Rank);
        Assert.Equal(20000, r.TrainExamples);
        Assert.True(r.LoraCeilingReached);
        Assert.Contains("does not beat it at 50,000 examples", r.NextStep);
        Assert.Contains("stay with LoRA", r.NextStep);
    }

    [Fact]
    public void FullFineTuningAtASizeLoraNeverTrainedAtIsHeldAgainstLorasBestAnywhere()
    {
        // LoRA stops at 20k (plateaus r=8 and 10k; its best is r=32 at 20k, 0.243); full FT ran only at 50k. Before, the
        // answer ignored that run ("tried only at 50,000 … try full fine-tuning at 50,000 examples next").
        var better = Recommender.Recommend(Sweep([.. LoraAtCeiling(20000), new Cfg("full", null, 50000, 0.300)]));
        Assert.True(better.LoraCeilingReached);
        Assert.Equal("full", better.Method);
        Assert.Contains("full fine-tuning beats it at 50,000 examples (ROUGE-L 0.3000 against 0.2430 for lora r=32", better.NextStep);
        Assert.Contains("LoRA's best at any size, as no LoRA config trained at 50,000, +0.0570 > margin", better.NextStep);
        Assert.Contains("switch to full fine-tuning", better.NextStep);

        // 0.2435 is +0.0005 over 0.243, inside max(SE, 1%) = 0.00243: stay with LoRA.
        var level = Recommender.Recommend(Sweep([.. LoraAtCeiling(20000), new Cfg("full", null, 50000, 0.2435)]));
        Assert.Contains("full fine-tuning does not beat it at 50,000 examples (ROUGE-L 0.2435 against 0.2430", level.NextStep);
        Assert.Contains("LoRA's best at any size", level.NextStep);
        Assert.Contains("stay with LoRA", level.NextStep);
        Assert.DoesNotContain("try full fine-tuning", level.NextStep);
    }

    [Fact]
    public void FullFineTuningOnlyAt1kWithHighInjectionOnSmallDataIsAWarning()
    {
        // The data stops at 10k (< 20k), so even with LoRA at its ceiling (r=8, data plateau 5k… see below) full FT is not
        // the next step. Full FT at 1k lets 0.60 of attacks through against 0.10 for LoRA r=8 at 1k: dropped (> 0.25),
        // quoted in a warning and in the next step.
        var sweep = Sweep([
            Lora(8, 1000, 0.150) with { Injection = 0.10 }, Lora(8, 2000, 0.180), Lora(8, 5000, 0.239), Lora(8, 10000, 0.240),
            Lora(4, 10000, 0.200), Lora(16, 10000, 0.2405), Lora(32, 10000, 0.241),
            new Cfg("full", null, 1000, 0.160) { Injection = 0.60 }]);
        var r = Recommender.Recommend(sweep);
        // Data plateau: 5k → 10k gains 0.001 < 0.0029 → 5k; rank plateau r=8 → ceiling reached.
        Assert.Equal(5000, r.PlateauTrainExamples);
        Assert.True(r.LoraCeilingReached);
        Assert.Equal("lora", r.Method);
        Assert.Contains(r.Dropped, d => d.Config.Method == "full" && d.Why[0].Contains("injection success 0.6000 > 0.2500"));
        Assert.Contains(r.Warnings, w => w.Contains("At 1,000 examples full fine-tuning's injection success is 0.6000 against 0.1000 for lora r=8"));
        Assert.Contains("do not switch to full fine-tuning yet", r.NextStep);
        Assert.Contains("the data is small (10,000 < 20,000 examples)", r.NextStep);
        Assert.Contains("more open to prompt injection (measured here at 1,000 examples: injection success 0.6000", r.NextStep);
    }

    [Fact]
    public void BigCleanDataWithoutFullFineTuningAtScaleSaysTryItAndNoisyDataSaysNot()
    {
        // LoRA at its ceiling on 50k examples whose references leave 0.40 unsupported (≤ 0.50: clean) and full FT tried
        // only at 1k → "try full fine-tuning at 50,000 examples next".
        var sweep = Sweep([.. LoraAtCeiling(), new Cfg("full", null, 1000, 0.160)]);
        var r = Recommender.Recommend(sweep);
        Assert.True(r.LoraCeilingReached);
        Assert.Contains("full fine-tuning was tried only at 1,000 examples", r.NextStep);
        Assert.Contains("looks big (50,000 ≥ 20,000 examples) and clean (references' unsupported-token rate 0.4000 ≤ 0.5000)", r.NextStep);
        Assert.Contains("try full fine-tuning at 50,000 examples next", r.NextStep);

        // The same curves on data whose references leave 0.65 unsupported (hallucination excess kept at 0.02): noisy → warn.
        var noisy = Sweep([.. LoraAtCeiling().Select(c => c with { Reference = 0.65, Unsupported = 0.67 })]);
        var n = Recommender.Recommend(noisy);
        Assert.True(n.LoraCeilingReached);
        Assert.Contains("full fine-tuning was not tried, but do not switch to full fine-tuning yet", n.NextStep);
        Assert.Contains("it looks noisy (references' unsupported-token rate 0.6500 > 0.5000)", n.NextStep);
    }

    [Fact]
    public void WhenEveryConfigIsOverALimitNothingIsRecommended()
    {
        // r=8 invents 0.20 above the references, r=32 lets 0.40 of attacks through, full FT does both: nothing passes.
        var sweep = Sweep(Lora(8, 5000, 0.24) with { Unsupported = 0.60 }, Lora(32, 5000, 0.25) with { Injection = 0.40 },
            new Cfg("full", null, 5000, 0.26) { Unsupported = 0.70, Injection = 0.9 });
        var r = Recommender.Recommend(sweep);
        Assert.Null(r.Recommended);
        Assert.Null(r.Method);
        Assert.Equal(3, r.Dropped.Count);
        Assert.Equal(2, r.Dropped.Single(d => d.Config.Method == "full").Why.Count);
        Assert.Contains(r.Reasons, s => s.StartsWith("Nothing passes: all 3 candidate configurations exceed at least one limit (the highest-scoring, full"));
        Assert.Contains("No configuration is safe to use under these limits", r.NextStep);
        Assert.StartsWith("Recommended: nothing", r.ToText());
    }

    [Fact]
    public void SingleSeedUsesTheDocumentedOnePercentFallbackAndSaysSo()
    {
        // One seed: SE unknown, margin = 1% of the best (0.250) → threshold 0.2475. r=8 at 0.2480 is within → r=8 (cheaper);
        // at 0.2470 it is not → r=16.
        var within = Recommender.Recommend(Sweep(
            Lora(4, 5000, 0.200) with { Seeds = 1 }, Lora(8, 5000, 0.248) with { Seeds = 1 }, Lora(16, 5000, 0.250) with { Seeds = 1 }));
        Assert.Equal(8, within.Rank);
        Assert.Null(within.Recommended!.RougeL.Se);
        Assert.Contains(within.Reasons, s => s.Contains("1 seed, so its standard error is unknown") && s.Contains("1% relative") && s.Contains("= 0.2475"));
        Assert.Contains(within.Reasons, s => s.StartsWith("Seeds per configuration: 1–1"));

        var outside = Recommender.Recommend(Sweep(
            Lora(4, 5000, 0.200) with { Seeds = 1 }, Lora(8, 5000, 0.247) with { Seeds = 1 }, Lora(16, 5000, 0.250) with { Seeds = 1 }));
        Assert.Equal(16, outside.Rank);
    }

    [Fact]
    public void PromptMethodsThatTrailAreReportedAndUnmeasuredRisksAreNamed()
    {
        // Prompt tuning is cheapest but 0.09 below LoRA (far outside one SE) → LoRA, with the team's reading in the reasons.
        // Injection was not measured for LoRA r=8 → the reasons say it was not checked there.
        var sweep = Sweep(new Cfg("prompt-tuning", null, 5000, 0.150), Lora(8, 5000, 0.240) with { Injection = null });
        var r = Recommender.Recommend(sweep);
        Assert.Equal(8, r.Rank);
        Assert.Contains(r.Reasons, s => s.Contains("Prompt methods trail") && s.Contains("0.1500 against 0.2400"));
        Assert.Contains(r.Reasons, s => s == "injection was not measured for 1 of 2 configurations: not checked there.");
    }

    [Fact]
    public void TheRulesDocumentIsTheRulesConstant()
    {
        var doc = File.ReadAllText(Path.Combine(Shared.RepoRoot, "docs", "recommendation-rules.md"));
        Assert.Equal(Recommender.Rules.Trim(), doc.Trim());
    }

    [Fact]
    public void CliReadsTrialsJsonlAndPrintsTextJsonAndErrors()
    {
        var dir = Shared.TempDir();
        var lines = Sweep(RankCurve.Select(p => Lora(p.Rank, 5000, p.RougeL) with { Spread = 0.006 }).ToArray())
            .Select(t => JsonSerializer.Serialize(t)).ToList();
        // Writers may spell the status as a name and settings as numbers; failed trials and blank lines are skipped.
        lines[0] = lines[0].Replace("\"status\":2", "\"status\":\"finished\"");
        lines.Add("""{"id":"x","settings":{"method":"lora","rank":1024,"train_examples":5000,"seed":1},"status":"Failed","error":"out of memory"}""");
        lines.Add("");
        File.WriteAllLines(Path.Combine(dir, "trials.jsonl"), lines);

        var (code, output, _) = CliRunner.Run("recommend", dir);
        Assert.Equal(0, code);
        Assert.StartsWith("Recommended: lora r=8, 5,000 examples", output);
        Assert.Contains("24 of 25 trials count; 1 are failed", output);
        Assert.Contains("Plateaus: rank 8, data size not reached (no data-size curve)", output);

        (code, output, _) = CliRunner.Run("recommend", dir, "--json");
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("lora", json.RootElement.GetProperty("method").GetString());
        Assert.Equal(8, json.RootElement.GetProperty("rank").GetInt32());
        Assert.Equal(8, json.RootElement.GetProperty("plateau_rank").GetInt32());
        Assert.Equal(0.25, json.RootElement.GetProperty("limits").GetProperty("max_injection").GetDouble());
        Assert.Equal(3, json.RootElement.GetProperty("recommended").GetProperty("rougeL").GetProperty("n").GetInt32());

        // All over a limit of 0.01 injection (every trial has 0.05): nothing passes, exit code 1.
        (code, output, _) = CliRunner.Run("recommend", dir, "--max-injection", "0.01");
        Assert.Equal(1, code);
        Assert.StartsWith("Recommended: nothing", output);

        (code, _, var err) = CliRunner.Run("recommend", dir, "--max-memorisation", "1.5");
        Assert.Equal(2, code);
        Assert.Contains("--max-memorisation 1.5: expected a fraction in [0, 1]", err);

        var missing = Path.Combine(dir, "nope");
        (code, _, err) = CliRunner.Run("recommend", missing);
        Assert.Equal(2, code);
        Assert.Contains($"{missing}: no such sweep folder", err);

        var bad = Shared.TempDir();
        File.WriteAllLines(Path.Combine(bad, "trials.jsonl"), [lines[1], "{not json"]);
        (code, _, err) = CliRunner.Run("recommend", bad);
        Assert.Equal(2, code);
        Assert.Contains("trials.jsonl line 2: not a trial record", err);
    }

    [Fact]
    public void ExportCopiesTheRecommendedConfigurationsBestSeedWithoutCheckpoints()
    {
        var dir = Shared.TempDir();
        var runs = Shared.TempDir();
        var trials = Sweep(RankCurve.Select(p => Lora(p.Rank, 5000, p.RougeL) with { Spread = 0.006 }).ToArray())
            .Select(t => t with { ArtifactDir = Path.Combine(runs, t.Id) }).ToList();
        foreach (var t in trials)
        {
            Directory.CreateDirectory(Path.Combine(t.ArtifactDir!, "checkpoint"));
            File.WriteAllText(Path.Combine(t.ArtifactDir!, "adapter_config.json"), t.Id);
            File.WriteAllText(Path.Combine(t.ArtifactDir!, "metrics.jsonl"), "{}");
        }
        File.WriteAllLines(Path.Combine(dir, "trials.jsonl"), trials.Select(t => JsonSerializer.Serialize(t)));
        // The recommended configuration is r=8 (see CliReadsTrialsJsonlAndPrintsTextJsonAndErrors); its best seed by
        // ROUGE-L, found here independently of the command, is what must ship.
        var best = trials.Where(t => t.Settings["rank"] == "8").MaxBy(t => t.Metrics!.RougeL)!;
        var export = Path.Combine(Shared.TempDir(), "recommended");

        var (code, _, err) = CliRunner.Run("recommend", dir, "--export", export);
        Assert.Equal(0, code);
        Assert.Equal(best.Id, File.ReadAllText(Path.Combine(export, "adapter_config.json")));
        Assert.False(Directory.Exists(Path.Combine(export, "checkpoint")));
        Assert.False(File.Exists(Path.Combine(export, "metrics.jsonl")));
        Assert.Equal(best.Id, JsonDocument.Parse(File.ReadAllText(Path.Combine(export, "trial.json"))).RootElement.GetProperty("id").GetString());
        Assert.Contains($"exported trial {best.Id}", err);

        // A second export onto the same folder refuses without --force and leaves it as it was.
        (code, _, err) = CliRunner.Run("recommend", dir, "--export", export);
        Assert.Equal(2, code);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal(best.Id, File.ReadAllText(Path.Combine(export, "adapter_config.json")));
    }

    [Fact]
    public void LabelsNameWhatVariesAndLeaveOutWhatEveryConfigurationShares()
    {
        var trials = Sweep(Lora(4, 2000, 0.20), Lora(8, 2000, 0.21)).Select(t => t with
        {
            Settings = new Dictionary<string, string>(t.Settings) { ["data"] = "../shared/train.jsonl", ["batch_size"] = "8", ["lr"] = t.Settings["rank"] == "4" ? "0.001" : "0.002" },
        }).ToList();
        var labels = ConfigPoint.Group(trials.Where(t => t.Status == TrialStatus.Finished)).Select(p => p.Label).ToList();
        Assert.Equal(["lora r=4, 2,000 examples, lr=0.001", "lora r=8, 2,000 examples, lr=0.002"], labels);
        // A single configuration keeps everything: there is nothing to compare it with.
        var one = ConfigPoint.Group(trials.Where(t => t.Settings["rank"] == "4" && t.Status == TrialStatus.Finished)).Single();
        Assert.Contains("data=../shared/train.jsonl", one.Label);
    }
}
