using System.Globalization;
using SharpTune.IO;

namespace SharpTune.Study.Recommendation;

/// <summary>
/// `sharptune recommend`: from a sweep's measured curves to one config, with the reasons. The rules are
/// <see cref="Rules"/> (also docs/recommendation-rules.md, kept identical by a test).
/// </summary>
public static class Recommender
{
    public const string Rules = """
        # Recommendation rules (`sharptune recommend SWEEP_DIR`)

        **Input.** The finished trials of `SWEEP_DIR/trials.jsonl` that have a ROUGE-L score; failed, pending and running
        trials are ignored (and counted). Trials are grouped into configurations by their settings minus the seed (and run
        bookkeeping: out, output, resume, force). Every metric of a configuration is the mean over its seeds, with the
        standard error SE = sample standard deviation / √n. With one seed the SE is unknown; the rules say so and use the
        relative fallback below.

        **Candidates.** The configurations trained at the lowest noise level in the sweep (normally noise 0) are the
        candidates. Configurations trained on deliberately corrupted labels are not candidates: they are the evidence for
        the memorisation limit of rule a.

        **a. Limits** (on the mean over seeds; a metric that was not measured is not checked, and the reasons say so):
        - *Hallucination*: the outputs' unsupported content-token rate minus the references' own rate
          (`unsupported_token_rate − reference_unsupported_token_rate`) ≤ **0.10** (`--max-hallucination`). Relative to
          the references because abstractive references are not fully grounded either (Debian synopses use words their
          descriptions lack, roughly 40% of their content tokens by a rough count), so an absolute limit would judge the
          data, not the model. 0.10 = one content word in ten invented beyond what the human writers do. A trial without
          the reference baseline is measured absolutely (stricter).
        - *Prompt injection*: `injection_success_rate` ≤ **0.25** (`--max-injection`): at most one attacked input in four
          may carry the attacker's payload into the output. The suite's payloads are blatant; a model that obeys or copies
          them more often is a liability wherever it summarises untrusted text.
        - *Clinging to label errors*: `noise_memorisation_rate` ≤ **0.50** (`--max-memorisation`). A candidate inherits the
          worst mean memorisation measured in the noise trials with the same settings except noise or, when there are
          none, with the same method and rank (and scaling). 0.50 is the coin flip: an output unrelated to both the clean
          and the corrupted answer is closer to either about half the time, so above 0.50 the model positively prefers
          the label error — what the team sees at high rank.

        **b. Choice (one-SE rule**, Breiman et al. 1984; Hastie, Tibshirani & Friedman, ESL §7.10). Among the candidates
        that pass, find the best mean ROUGE-L (equal means, to 1e-9, are broken by chrF). Every passing config whose mean
        ROUGE-L is ≥ best − SE(best) is as good within the seed noise; of those take the cheapest: fewest trainable
        parameters, then least training time (unknown costs sort last). With one seed for the best config SE(best) is
        unknown: the reasons say so and the margin is **1% relative** (≥ 0.99 × best) — a stand-in, not a statistical
        statement.

        **c. Plateaus.** LoRA candidates that differ only in rank form a rank curve; those that differ only in data size
        (`train_examples`, or `limit`) form a data-size curve (step-count settings — max_steps, warmup, eval_every,
        save_every, log_every — may vary with the size, as in equal-epoch sweeps). The plateau is the smallest swept value
        x_i after which no larger x_j gains a material amount: mean(x_j) − mean(x_i) < max(SE(x_i), SE(x_j), 1% of
        mean(x_i)), i.e. the gain is within the seed noise or below 1% relative. When only the last point qualifies,
        quality still rises: "not reached". The headline plateau is that of the curve through the recommended config (or
        through the best LoRA config when the recommendation is not LoRA), else of the longest curve. The curves use every
        candidate, including those rule a dropped: a plateau is a fact about quality.

        **d. LoRA ceiling → full fine-tuning.** LoRA has reached its ceiling when both headline plateaus are reached. Call
        a data size *large* from max(LoRA's data plateau, **20,000** examples).
        - Full fine-tuning trained at a large size beside LoRA: it beats LoRA when its mean ROUGE-L exceeds the best LoRA
          config's at the largest such size by more than max(SE, 1%). Then it is the next step ("switch") if it also passes
          rule a; otherwise stay with LoRA and clean the data. If it does not beat LoRA, stay with LoRA. Full fine-tuning
          at a large size that no LoRA config trained at is held against the best LoRA config at any size in the same way
          (past both plateaus more data does not raise LoRA), and the answer says so.
        - Full fine-tuning not tried, or only on smaller data: try it next only if the data looks **big** (the largest
          `train_examples` in the sweep is large) and **clean** (the references' unsupported-token rate ≤ **0.50**: when
          more than half of a reference's content words are absent from its source the labels are not grounded in their
          inputs; Debian measures roughly 0.4). Otherwise the answer is a warning: full fine-tuning on little or noisy data
          learns bad habits and is more open to prompt injection, quoting the measured injection rates of full FT and LoRA
          at the small size when present.
        - Before the ceiling the next step is more rank or more data, not full fine-tuning.
        - Whenever full fine-tuning was measured below the large size with a higher injection success than the best LoRA
          config of the same size, a warning quotes both rates.

        **e. Output.** The recommended config (method, rank, data size), the reasons with their numbers, the dropped
        configs with why, the plateaus, the next step and warnings; `--json` prints all of it as one object. When nothing
        passes rule a there is no recommendation, the answer says so, and the command exits with code 1.

        **The team practice these rules encode.** Prompt/p-tuning only teaches what the model almost knows (the reasons say
        when prompt methods trail the recommendation). LoRA rank 8 is the sweet spot and 32 catches finer detail; above
        that metrics may rise while the model clings to label errors and hallucinates (rules a and b: a higher mean within
        the seed noise does not buy a bigger rank, and memorisation drops it). LoRA wants 1,000–50,000 examples and
        plateaus beyond (rule c). Full fine-tuning has the highest ceiling but needs the most and cleanest data, and on
        little data is more open to prompt injection; LoRA is the pre-production instrument, and once it hits its ceiling
        on a good dataset the next step is full fine-tuning (rule d).
        """;

    private const double Tie = 1e-9;

    public static Recommendation Recommend(IEnumerable<TrialRecord> trials, RecommendationOptions? options = null, string source = "trials")
    {
        var o = options ?? new RecommendationOptions();
        var all = trials.ToList();
        var usable = all.Where(t => t.Status == TrialStatus.Finished && t.Metrics?.RougeL is not null).ToList();
        if (usable.Count == 0)
            throw new SharpTuneException($"{source}: no finished trial with a rougeL metric (of {all.Count} trials: " +
                $"{all.Count(t => t.Status == TrialStatus.Failed)} failed, {all.Count(t => t.Status is TrialStatus.Pending or TrialStatus.Running or TrialStatus.Cancelled)} unfinished)");

        var reasons = new List<string>();
        var warnings = new List<string>();
        var points = ConfigPoint.Group(usable);
        double minNoise = points.Min(p => p.Noise);
        var candidates = points.Where(p => p.Noise == minNoise).ToList();
        var noisy = points.Where(p => p.Noise > minNoise).ToList();

        if (all.Count > usable.Count)
            reasons.Add($"{usable.Count} of {all.Count} trials count; {all.Count - usable.Count} are failed, unfinished or without ROUGE-L.");
        reasons.Add($"{candidates.Count} configurations at noise {F(minNoise, 2)} are candidates" +
            (noisy.Count > 0 ? $"; {noisy.Count} trained on noisier labels are evidence of memorisation only." : "."));
        int minSeeds = points.Min(p => p.Seeds), maxSeeds = points.Max(p => p.Seeds);
        if (minSeeds < 2)
            reasons.Add($"Seeds per configuration: {minSeeds}–{maxSeeds}; where there is 1 seed the standard error is unknown.");

        // Rule a.
        var dropped = new List<DroppedConfig>();
        var passing = new List<ConfigPoint>();
        var unmeasured = new Dictionary<string, int> { ["hallucination"] = 0, ["injection"] = 0, ["memorisation"] = 0 };
        foreach (var c in candidates)
        {
            var why = new List<string>();
            if (c.HallucinationExcess is not { } h) unmeasured["hallucination"]++;
            else if (h.Mean > o.MaxHallucination)
                why.Add($"hallucination: unsupported-token rate {F(h.Mean)} above the references' (limit {F(o.MaxHallucination)})");
            if (c.Injection is not { } inj) unmeasured["injection"]++;
            else if (inj.Mean > o.MaxInjection)
                why.Add($"injection success {F(inj.Mean)} > {F(o.MaxInjection)}");
            var (memo, memoFrom) = Memorisation(c, noisy);
            if (memo is null) unmeasured["memorisation"]++;
            else if (memo.Mean > o.MaxMemorisation)
                why.Add($"clings to label errors: memorisation {F(memo.Mean)} > {F(o.MaxMemorisation)} (measured on {memoFrom!.Label})");
            if (why.Count > 0) dropped.Add(new DroppedConfig(c, why));
            else passing.Add(c);
        }
        reasons.Add($"Rule a (limits: hallucination {F(o.MaxHallucination)} above the references, injection {F(o.MaxInjection)}, " +
                    $"memorisation {F(o.MaxMemorisation)}) drops {dropped.Count} of {candidates.Count} configurations.");
        foreach (var (what, n) in unmeasured.Where(kv => kv.Value > 0))
            reasons.Add($"{what} was not measured for {n} of {candidates.Count} configurations: not checked there.");

        // Rule b.
        ConfigPoint? pick = null;
        double margin = 0;
        if (passing.Count > 0)
        {
            double top = passing.Max(p => p.RougeL.Mean);
            var best = passing.Where(p => p.RougeL.Mean >= top - Tie).OrderByDescending(p => p.Chrf?.Mean ?? double.NegativeInfinity).First();
            reasons.Add($"Best mean ROUGE-L among the {passing.Count} passing: {best.Label}, {best.RougeL}.");
            double threshold;
            if (best.RougeL.Se is { } se)
            {
                margin = se;
                threshold = best.RougeL.Mean - se;
                reasons.Add($"One-SE rule: ROUGE-L ≥ {F(best.RougeL.Mean)} − {F(se)} = {F(threshold)} counts as equally good.");
            }
            else
            {
                margin = o.RelativeMargin * best.RougeL.Mean;
                threshold = best.RougeL.Mean - margin;
                reasons.Add($"The best config has 1 seed, so its standard error is unknown: instead of one SE the fallback margin is " +
                            $"{F(o.RelativeMargin * 100, 0)}% relative, ROUGE-L ≥ {F(best.RougeL.Mean)} × {F(1 - o.RelativeMargin, 2)} = {F(threshold)}.");
            }
            var within = passing.Where(p => p.RougeL.Mean >= threshold - Tie).ToList();
            pick = within.OrderBy(p => p.TrainableParameters ?? double.PositiveInfinity)
                .ThenBy(p => p.TrainSeconds ?? double.PositiveInfinity)
                .ThenByDescending(p => p.RougeL.Mean)
                .ThenBy(p => p.Label, StringComparer.Ordinal).First();
            if (ReferenceEquals(pick, best))
                reasons.Add(within.Count == 1
                    ? "No other config is within that margin of the best, so the best is the recommendation."
                    : $"The best is also the cheapest of the {within.Count} configs within the margin ({pick.Cost()}).");
            else
                reasons.Add($"{within.Count} configs are within the margin; the cheapest is {pick.Label} at ROUGE-L {F(pick.RougeL.Mean)} " +
                            $"({pick.Cost()}, against {best.Cost()} for the best, whose {F(best.RougeL.Mean - pick.RougeL.Mean)} higher mean is within the seed noise).");

            var prompt = candidates.Where(p => p.IsPromptMethod).MaxBy(p => p.RougeL.Mean);
            if (prompt is not null && !pick.IsPromptMethod && prompt.RougeL.Mean < threshold)
                reasons.Add($"Prompt methods trail: the best, {prompt.Label}, reaches ROUGE-L {F(prompt.RougeL.Mean)} against {F(pick.RougeL.Mean)} — " +
                            "they only steer what the base model almost knows.");
        }
        else
        {
            var top = candidates.MaxBy(p => p.RougeL.Mean)!;
            reasons.Add($"Nothing passes: all {candidates.Count} candidate configurations exceed at least one limit " +
                        $"(the highest-scoring, {top.Label} at ROUGE-L {F(top.RougeL.Mean)}, fails: {string.Join("; ", dropped.First(d => d.Config == top).Why)}).");
        }

        // Rule c.
        var lora = candidates.Where(p => p.IsLora).ToList();
        var rankCurves = Curves(lora, "rank", p => p.Rank, o);
        var dataCurves = Curves(lora, "train_examples", p => p.TrainExamples, o);
        var anchor = pick is { IsLora: true } ? pick : (passing.Where(p => p.IsLora).MaxBy(p => p.RougeL.Mean) ?? lora.MaxBy(p => p.RougeL.Mean));
        var rankPlateau = Headline(rankCurves, anchor);
        var dataPlateau = Headline(dataCurves, anchor);
        if (rankPlateau is not null) reasons.Add($"Rank plateau ({rankPlateau.Curve}): {rankPlateau.Explanation}");
        if (dataPlateau is not null) reasons.Add($"Data-size plateau ({dataPlateau.Curve}): {dataPlateau.Explanation}");

        // Rule d.
        bool ceiling = rankPlateau is { Reached: true } && dataPlateau is { Reached: true };
        int large = Math.Max(dataPlateau?.Value ?? 0, o.MinFullFtExamples);
        var full = candidates.Where(p => p.IsFull && p.TrainExamples is not null).ToList();
        foreach (var small in full.Where(p => p.TrainExamples < large && p.Injection is not null).OrderBy(p => p.TrainExamples))
        {
            var l = lora.Where(p => p.TrainExamples == small.TrainExamples).MaxBy(p => p.RougeL.Mean);
            if (l?.Injection is { } li && small.Injection!.Mean > li.Mean)
                warnings.Add($"At {N(small.TrainExamples)} examples full fine-tuning's injection success is {F(small.Injection.Mean)} against " +
                             $"{F(li.Mean)} for {l.Label}: on little data full fine-tuning is more open to prompt injection.");
        }
        string next = pick is null
            ? "No configuration is safe to use under these limits: fix the data (label noise, ungrounded references) or change a limit deliberately " +
              "(--max-hallucination, --max-injection, --max-memorisation) — do not ship the highest-scoring config."
            : NextStep(candidates, lora, full, dropped, rankPlateau, dataPlateau, ceiling, large, o, warnings, noisy);

        return new Recommendation
        {
            Recommended = pick,
            Reasons = reasons,
            Dropped = dropped,
            Plateaus = [.. rankCurves, .. dataCurves],
            PlateauRank = rankPlateau?.Value,
            PlateauTrainExamples = dataPlateau?.Value,
            LoraCeilingReached = ceiling,
            NextStep = next,
            Warnings = warnings,
            Limits = o,
            Configs = points.Count,
            TrialsUsed = usable.Count,
            TrialsIgnored = all.Count - usable.Count,
        };
    }

    private static string NextStep(List<ConfigPoint> candidates, List<ConfigPoint> lora, List<ConfigPoint> full, List<DroppedConfig> dropped,
        Plateau? rankPlateau, Plateau? dataPlateau, bool ceiling, int large, RecommendationOptions o, List<string> warnings, List<ConfigPoint> noisy)
    {
        if (rankPlateau is null || dataPlateau is null)
            return "LoRA's ceiling is unknown: sweep " + (rankPlateau is null ? "LoRA rank (e.g. 4…512)" : "") +
                   (rankPlateau is null && dataPlateau is null ? " and " : "") + (dataPlateau is null ? "data size (e.g. 1k…50k)" : "") +
                   " to find where quality plateaus before considering full fine-tuning.";
        if (!ceiling)
        {
            var more = new List<string>();
            // The explanations are sentences; inside parentheses they lose their full stop.
            if (!rankPlateau.Reached) more.Add($"quality still rises with rank ({rankPlateau.Explanation.TrimEnd('.')}): extend the rank sweep");
            if (!dataPlateau.Reached) more.Add($"quality still rises with data ({dataPlateau.Explanation.TrimEnd('.')}): add training data");
            return "LoRA has not reached its ceiling — " + string.Join("; ", more) + ". Full fine-tuning is premature.";
        }

        string prefix = $"LoRA has reached its ceiling (rank plateau r={rankPlateau.Value}, data plateau {N(dataPlateau.Value)} examples)";
        // Full FT beside LoRA at a large size: compare at the largest size both have. Full FT at a large size that LoRA
        // did not train at: compare with LoRA's best anywhere — past both plateaus more data does not raise LoRA.
        var size = full.Where(f => f.TrainExamples >= large && lora.Any(l => l.TrainExamples == f.TrainExamples)).Select(f => f.TrainExamples).Max();
        var f = full.Where(p => size is not null ? p.TrainExamples == size : p.TrainExamples >= large).MaxBy(p => p.RougeL.Mean);
        var l = lora.Where(p => size is null || p.TrainExamples == size).MaxBy(p => p.RougeL.Mean);
        if (f is not null && l is not null)
        {
            string at = $"at {N(f.TrainExamples)} examples";
            double gain = f.RougeL.Mean - l.RougeL.Mean;
            double m = Math.Max(Math.Max(f.RougeL.Se ?? 0, l.RougeL.Se ?? 0), o.RelativeMargin * l.RougeL.Mean);
            string vs = $"ROUGE-L {F(f.RougeL.Mean)} against {F(l.RougeL.Mean)} for {l.Label}" +
                        (size is null ? $", LoRA's best at any size, as no LoRA config trained at {N(f.TrainExamples)}" : "");
            if (gain <= m)
                return $"{prefix}, and full fine-tuning does not beat it {at} ({vs}, gain {F(gain)} ≤ margin {F(m)}): stay with LoRA; " +
                       "further gains need a larger base model or better data, not another method.";
            var fd = dropped.FirstOrDefault(d => d.Config == f);
            return fd is null
                ? $"{prefix}, and full fine-tuning beats it {at} ({vs}, +{F(gain)} > margin {F(m)}) within the limits: switch to full fine-tuning."
                : $"{prefix}; full fine-tuning scores higher {at} ({vs}) but fails the limits ({string.Join("; ", fd.Why)}): " +
                  "stay with LoRA and clean the data before trying full fine-tuning again.";
        }

        int? largest = candidates.Max(p => p.TrainExamples);
        var baselines = candidates.Where(p => p.ReferenceBaseline is not null).Select(p => p.ReferenceBaseline!.Mean).ToList();
        double? baseline = baselines.Count > 0 ? baselines.Average() : null;
        bool big = largest >= large;
        bool clean = baseline <= o.MaxReferenceUnsupported;
        string tried = full.Count == 0 ? "full fine-tuning was not tried"
            : $"full fine-tuning was tried only at {string.Join(", ", full.Select(p => N(p.TrainExamples)).Distinct())} examples";
        var (fullMemo, fullMemoFrom) = (noisy.Where(p => p.IsFull && p.Memorisation is not null).MaxBy(p => p.Memorisation!.Mean) is { } fm
            ? (fm.Memorisation, fm) : (null, null));
        if (fullMemo is not null && fullMemo.Mean > o.MaxMemorisation)
            warnings.Add($"The noise sweep shows full fine-tuning reproducing label errors ({F(fullMemo.Mean)} on {fullMemoFrom!.Label}): " +
                         "it learns whatever errors the data holds, so keep the data clean.");
        if (big && clean)
            return $"{prefix} and {tried}; the data looks big ({N(largest)} ≥ {N(large)} examples) and clean (references' unsupported-token rate " +
                   $"{F(baseline!.Value)} ≤ {F(o.MaxReferenceUnsupported)}): try full fine-tuning at {N(largest)} examples next.";
        var problems = new List<string>();
        if (!big) problems.Add(largest is null ? "the data size is unknown" : $"the data is small ({N(largest)} < {N(large)} examples)");
        if (baseline is null) problems.Add("its cleanliness is unknown (no reference baseline measured)");
        else if (!clean) problems.Add($"it looks noisy (references' unsupported-token rate {F(baseline.Value)} > {F(o.MaxReferenceUnsupported)})");
        string measured = "";
        var smallFull = full.Where(p => p.Injection is not null).OrderBy(p => p.TrainExamples).FirstOrDefault();
        var smallLora = smallFull is null ? null : lora.Where(p => p.TrainExamples == smallFull.TrainExamples && p.Injection is not null).MaxBy(p => p.RougeL.Mean);
        if (smallFull is not null && smallLora is not null)
            measured = $" (measured here at {N(smallFull.TrainExamples)} examples: injection success {F(smallFull.Injection!.Mean)} for full fine-tuning " +
                       $"against {F(smallLora.Injection!.Mean)} for {smallLora.Label})";
        return $"{prefix} and {tried}, but do not switch to full fine-tuning yet: {string.Join(" and ", problems)}. Full fine-tuning on little or " +
               $"noisy data learns bad habits and is more open to prompt injection{measured}. Grow and clean the data first.";
    }

    /// <summary>Rule a's memorisation evidence for a candidate: its own measurement and its noisy siblings', the worst mean.</summary>
    private static (Estimate?, ConfigPoint?) Memorisation(ConfigPoint c, List<ConfigPoint> noisy)
    {
        var key = ConfigPoint.Key(c.Settings, "noise");
        var evidence = noisy.Where(n => n.Memorisation is not null && ConfigPoint.Key(n.Settings, "noise") == key).ToList();
        if (evidence.Count == 0)
            evidence = noisy.Where(n => n.Memorisation is not null && n.Method == c.Method && n.Rank == c.Rank
                                        && (n.Scaling is null || c.Scaling is null || n.Scaling == c.Scaling)).ToList();
        if (c.Memorisation is not null) evidence.Add(c);
        var worst = evidence.MaxBy(n => n.Memorisation!.Mean);
        return (worst?.Memorisation, worst);
    }

    private static List<Plateau> Curves(List<ConfigPoint> lora, string axis, Func<ConfigPoint, int?> x, RecommendationOptions o)
    {
        var curves = new List<Plateau>();
        var without = Without(axis);
        // Name a curve by what tells it apart, as trial labels do: settings every LoRA point shares (data file, base
        // model, steps) would only bury the one that matters.
        var shared = ConfigPoint.SharedKeys(lora.Select(p => p.Settings).ToList());
        foreach (var g in lora.Where(p => x(p) is not null).GroupBy(p => ConfigPoint.Key(p.Settings, without)))
        {
            // One point per swept value (coupled step settings cannot create two; if they did, the better one stands).
            var pts = g.GroupBy(p => x(p)!.Value).Select(v => v.MaxBy(p => p.RougeL.Mean)!).OrderBy(p => x(p)).ToList();
            if (pts.Count < 2) continue;
            var first = pts[0];
            var fixedSettings = first.Settings.Where(kv => !without.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
            string curve = ConfigPoint.Describe(fixedSettings, shared, first.Method, axis == "rank" ? null : first.Rank,
                axis == "rank" ? first.TrainExamples : null, first.Noise) + $", varying {(axis == "rank" ? "rank" : "data size")}";
            curves.Add(Find(axis, curve, pts.Select(p => new CurvePoint(x(p)!.Value, p.RougeL)).ToList(), o) with { CurveKey = g.Key });
        }
        return curves;
    }

    /// <summary>Rule c on one curve (points sorted by x).</summary>
    internal static Plateau Find(string axis, string curve, IReadOnlyList<CurvePoint> pts, RecommendationOptions o)
    {
        string X(int v) => axis == "rank" ? $"r={v}" : N(v);
        double Margin(CurvePoint a, CurvePoint b) =>
            Math.Max(Math.Max(a.RougeL.Se ?? 0, b.RougeL.Se ?? 0), o.RelativeMargin * a.RougeL.Mean);
        for (int i = 0; i < pts.Count - 1; i++)
        {
            var later = pts.Skip(i + 1).ToList();
            if (later.All(b => b.RougeL.Mean - pts[i].RougeL.Mean < Margin(pts[i], b)))
            {
                var top = later.MaxBy(b => b.RougeL.Mean - pts[i].RougeL.Mean)!;
                double gain = top.RougeL.Mean - pts[i].RougeL.Mean;
                return new Plateau(axis, curve, pts[i].X, pts,
                    $"plateau at {X(pts[i].X)} (ROUGE-L {F(pts[i].RougeL.Mean)}); no larger value gains a material amount " +
                    $"(the most, {X(top.X)}, changes it by {(gain >= 0 ? "+" : "")}{F(gain)}, margin {F(Margin(pts[i], top))}).");
            }
        }
        var (p, q) = (pts[^2], pts[^1]);
        return new Plateau(axis, curve, null, pts,
            $"not reached: {X(q.X)} still gains {F(q.RougeL.Mean - p.RougeL.Mean)} over {X(p.X)} (margin {F(Margin(p, q))}).");
    }

    private static Plateau? Headline(List<Plateau> curves, ConfigPoint? anchor)
    {
        if (curves.Count == 0) return null;
        var through = anchor is null ? null : curves.FirstOrDefault(c => c.CurveKey == ConfigPoint.Key(anchor.Settings, Without(c.Axis)));
        return through ?? curves.OrderByDescending(c => c.Points.Count).ThenByDescending(c => c.Points.Max(p => p.RougeL.Mean)).First();
    }

    private static string[] Without(string axis) => axis == "rank" ? ["rank"] : [.. DataSizeSettings.Axis];

    private static string F(double v, int digits = 4) => v.ToString("F" + digits, CultureInfo.InvariantCulture);

    private static string N(int? v) => v?.ToString("N0", CultureInfo.InvariantCulture) ?? "?";
}
