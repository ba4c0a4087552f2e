using System.Text.Json;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Sweeps;

namespace SharpTune.Audit.Model;

/// <summary>
/// Confident learning (Northcutt et al. 2021) for seq2seq: every example is scored by a model that never saw it.
/// The examples (those with a source and an answer) are dealt into K seeded folds; fold k's trial trains LoRA on the
/// other folds and writes, for each of its held-out examples, the mean loss per answer token and its own greedy
/// summary (`sharptune trial --eval-predictions`). The folds are the trials of a sweep (<see cref="SweepRunner"/>):
/// each in its own process, recorded in FOLDS/trials.jsonl, resumable, and runnable anywhere a sweep runs.
/// Three signals per held-out label: its loss, how little its source explains it (loss with the source left out
/// minus loss with it: the gain) and how far the model's own summary is from it; ranked by the gain by default
/// (<see cref="DefaultRankBy"/> says why), by any one of them, or by their mean.
/// </summary>
public static class CrossValidation
{
    public const string SweepName = "audit-folds";

    /// <summary>The fold of each example (−1: not scored, no source or no answer), seeded, sizes differing by at most one.</summary>
    public static int[] Assign(IReadOnlyList<AuditExample> train, int folds, int seed)
    {
        var fold = Enumerable.Repeat(-1, train.Count).ToArray();
        var eligible = Enumerable.Range(0, train.Count).Where(i => Eligible(train[i])).ToList();
        if (eligible.Count < folds * 2) throw new SharpTuneException($"--folds {folds}: the data has only {eligible.Count} examples with a source and an answer; need at least {folds * 2}");
        var rng = new Random(seed);
        var order = eligible.OrderBy(_ => rng.Next()).ToList();
        for (int n = 0; n < order.Count; n++) fold[order[n]] = n % folds;
        return fold;
    }

    private static bool Eligible(AuditExample e) => e.Source.Trim().Length > 0 && e.Summary.Trim().Length > 0;

    /// <summary>The folds' sweep plan, with the fold files written to <paramref name="dir"/> (held-out ids are "L" + line, so duplicated ids cannot mix).</summary>
    public static SweepPlan Plan(IReadOnlyList<AuditExample> train, int[] fold, CrossValidationOptions o, string dir)
    {
        Directory.CreateDirectory(dir);
        var trials = new List<TrialSpec>();
        for (int k = 0; k < o.Folds; k++)
        {
            var trainPath = Path.GetFullPath(Path.Combine(dir, $"fold{k}-train.jsonl"));
            var heldPath = Path.GetFullPath(Path.Combine(dir, $"fold{k}-heldout.jsonl"));
            WritePairs(trainPath, train.Where((_, i) => fold[i] >= 0 && fold[i] != k));
            var held = train.Where((_, i) => fold[i] == k).ToList();
            WritePairs(heldPath, held);
            var settings = new Dictionary<string, string>(o.Train)
            {
                ["model"] = Path.GetFullPath(o.Model), ["data"] = trainPath, ["eval_data"] = heldPath,
                ["eval_limit"] = held.Count.ToString(), ["eval_injection_limit"] = "0",
                ["eval_predictions"] = Path.GetFullPath(Path.Combine(dir, $"fold{k}-predictions.jsonl")),
                ["method"] = "lora", ["rank"] = o.Rank.ToString(), ["max_steps"] = o.MaxSteps.ToString(),
                ["batch_size"] = o.BatchSize.ToString(), ["seed"] = o.Seed.ToString(),
            };
            trials.Add(new TrialSpec(settings));
        }
        return new SweepPlan(SweepName, trials, new Dictionary<string, string>());
    }

    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void WritePairs(string path, IEnumerable<AuditExample> examples) =>
        AtomicFile.WriteAllText(path, string.Concat(examples.Select(e => JsonSerializer.Serialize(new { id = "L" + e.Line, source = e.Source, summary = e.Summary }, Json) + "\n")));

    /// <summary>Runs the folds as a sweep in <paramref name="dir"/> (resumed when it already has trials) and returns the ranked scores.</summary>
    public static List<ModelScore> Run(IReadOnlyList<AuditExample> train, CrossValidationOptions o, string dir, ITrialExecutor executor,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        var fold = Assign(train, o.Folds, o.Seed);
        var plan = Plan(train, fold, o, dir);
        var sweepDir = Path.Combine(dir, "sweep");
        var records = new SweepRunner(executor).Run(plan, sweepDir, resume: true,
            p => log?.Invoke($"fold {FoldOf(plan, p.Trial.Id)}: {p.Trial.Status.ToString().ToLowerInvariant()}{(p.Trial.Error is { } e ? $" ({e})" : "")}"), cancel);
        var failed = records.FirstOrDefault(r => r.Status != TrialStatus.Finished);
        if (failed is not null) throw new SharpTuneException($"audit fold {FoldOf(plan, failed.Id)} failed: {failed.Error} (log: {Path.Combine(TrialFolder.Of(sweepDir, failed.Id), TrialFolder.LogFile)})");
        var byLine = train.Select((e, i) => (e, i)).ToDictionary(t => "L" + t.e.Line, t => t.i);
        var raw = new List<(int Index, int Fold, double Loss, double? Prior, string Prediction, double RougeL)>();
        for (int k = 0; k < plan.Trials.Count; k++)
        {
            var path = plan.Trials[k].Settings["eval_predictions"];
            foreach (var (line, v) in JsonlReader.Read(path))
            {
                var id = JsonlReader.RequireString(v, "id", path, line);
                if (!byLine.TryGetValue(id, out int i)) throw new SharpTuneException($"{path}:{line}: id '{id}' is not a line of the audited data");
                raw.Add((i, k, Number(v, "loss") ?? double.PositiveInfinity, Number(v, "prior_loss"),
                    JsonlReader.RequireString(v, "prediction", path, line, allowEmpty: true), v.GetProperty("rouge_l").GetDouble()));
            }
        }
        var scores = raw.Select(r => new ModelScore(train[r.Index].Id, train[r.Index].Line, r.Fold, r.Loss, r.Prediction, r.RougeL, 0) { PriorLoss = r.Prior }).ToList();
        return Ranked(scores, o.RankBy);
    }

    private static double? Number(JsonElement v, string name) =>
        v.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : null;

    /// <summary>The signals each ranks by, as "more suspicious = larger": label loss, low gain from the source, and disagreement of the model's own summary.</summary>
    public static readonly IReadOnlyDictionary<string, Func<ModelScore, double>> Signals = new Dictionary<string, Func<ModelScore, double>>
    {
        ["loss"] = s => s.Loss,
        ["low_gain"] = s => s.Gain is double g ? -g : double.NaN,
        ["own_summary"] = s => 1 - s.RougeL,
    };

    /// <summary>
    /// The default order: by the gain from the source alone. Measured on 2,010 Debian pairs with 40 planted label
    /// errors (README, "Dataset audit"), each signal's precision at 40 was gain 0.38, loss 0.10, own summary 0.05 and
    /// their mean 0.23: loss ranks every rare package name with the wrong labels, and a 3.9M model's own summaries
    /// share no word with half of the right labels, so both dilute the gain.
    /// </summary>
    public const string DefaultRankBy = "gain";

    public static readonly IReadOnlyList<string> RankByChoices = ["gain", "loss", "own-summary", "combined"];

    /// <summary>Sorted, most suspicious first, by one signal's percentile (an example without it: 0.5) or, for
    /// "combined", by the mean of all of them (see the other overload).</summary>
    public static List<ModelScore> Ranked(IReadOnlyList<ModelScore> scores, string by)
    {
        if (by == "combined") return Ranked(scores);
        var signal = by switch
        {
            "gain" => Signals["low_gain"],
            "loss" => Signals["loss"],
            "own-summary" => Signals["own_summary"],
            _ => throw new SharpTuneException($"--rank-by {by}: expected one of {string.Join(", ", RankByChoices)}"),
        };
        // Folds that wrote no prior_loss (older trials) have no gain: the combined rank of what there is.
        return scores.All(s => double.IsNaN(signal(s))) ? Ranked(scores) : RankedBy(scores, signal);
    }

    /// <summary>Sorted by one signal's percentile alone (the rank), most suspicious first, ties by line.</summary>
    public static List<ModelScore> RankedBy(IReadOnlyList<ModelScore> scores, Func<ModelScore, double> signal)
    {
        var pct = SignalPercentiles(scores, signal);
        return scores.Select((s, n) => s with { Rank = pct[n] }).OrderByDescending(s => s.Rank).ThenBy(s => s.Line).ToList();
    }

    /// <summary>
    /// Rank = mean of the signals' percentiles (a signal missing for an example counts 0.5 there; the gain needs folds
    /// that wrote prior_loss and is left out when none did), so
    /// a label ranks high when the model finds it improbable, its source does not explain it, and the model would not
    /// have written it. Loss alone also ranks rare but right labels (new package names) high; the gain tells those
    /// apart, since their source holds the rare words. Sorted, most suspicious first.
    /// </summary>
    public static List<ModelScore> Ranked(IReadOnlyList<ModelScore> scores)
    {
        var used = Signals.Values.Where(f => scores.Any(s => !double.IsNaN(f(s)))).Select(f => SignalPercentiles(scores, f)).ToList();
        return scores.Select((s, n) => s with { Rank = used.Count == 0 ? 0.5 : used.Average(p => p[n]) })
            .OrderByDescending(s => s.Rank).ThenBy(s => s.Line).ToList();
    }

    // Trial k of the plan is fold k (the fold is not a train option, so it is not a setting).
    private static int FoldOf(SweepPlan plan, string trialId) => plan.Trials.ToList().FindIndex(t => t.Id(plan.Name) == trialId);

    /// <summary>Percentiles of one signal over the scores (larger = more suspicious); an example without it gets 0.5.</summary>
    public static double[] SignalPercentiles(IReadOnlyList<ModelScore> scores, Func<ModelScore, double> signal)
    {
        var present = Enumerable.Range(0, scores.Count).Where(i => !double.IsNaN(signal(scores[i]))).ToArray();
        var pct = Enumerable.Repeat(0.5, scores.Count).ToArray();
        var p = Percentiles(present.Select(i => signal(scores[i])).ToArray());
        for (int n = 0; n < present.Length; n++) pct[present[n]] = p[n];
        return pct;
    }

    /// <summary>Each value's percentile in [0, 1] (0 the smallest, 1 the largest; ties share their mean rank).</summary>
    public static double[] Percentiles(double[] values)
    {
        var pct = new double[values.Length];
        if (values.Length == 1) { pct[0] = 0.5; return pct; }
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        for (int a = 0; a < order.Length;)
        {
            int b = a;
            while (b + 1 < order.Length && values[order[b + 1]] == values[order[a]]) b++;
            double mean = (a + b) / 2.0 / (values.Length - 1);
            for (int k = a; k <= b; k++) pct[order[k]] = mean;
            a = b + 1;
        }
        return pct;
    }
}
