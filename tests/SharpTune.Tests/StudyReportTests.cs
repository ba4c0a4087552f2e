using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Report;

namespace SharpTune.Tests;

/// <summary>
/// The study report: aggregation over seeds checked against hand-computed numbers, the Pareto frontier on a
/// hand-made set, and the page opened in a real browser (Debian's chromium, headless).
/// </summary>
[Collection("console")]
public class StudyReportTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // ---------- synthetic trials ----------

    private static TrialRecord Trial(string id, TrialMetrics? metrics, params (string Key, string Value)[] settings) => new()
    {
        Id = id, Sweep = "synthetic", Settings = settings.ToDictionary(s => s.Key, s => s.Value),
        Status = metrics is null ? TrialStatus.Failed : TrialStatus.Finished, Metrics = metrics,
        Error = metrics is null ? "trial crashed" : null,
    };

    /// <summary>Seed offsets −d, 0, +d: the mean is the configuration's value exactly and the sample sd is d.</summary>
    private static readonly double[] SeedOffset = [-1, 0, 1];

    /// <summary>
    /// A small study with every axis: a rank sweep (classic and rsLoRA), a data-size sweep at r=8 and r=32, the other
    /// methods at 1k and 20k, a noise sweep, plus one failed and one running trial. Values are simple functions of the
    /// settings, so the figures have shapes a reader can check by eye.
    /// </summary>
    public static List<TrialRecord> SyntheticStudy()
    {
        var trials = new List<TrialRecord>();
        var id = 0;
        void Add(string method, int? rank, string? scaling, int n, double noise, double rouge, long parameters, double seconds)
        {
            for (var seed = 0; seed < 3; seed++)
            {
                var o = SeedOffset[seed];
                var settings = new Dictionary<string, string>
                {
                    ["method"] = method, ["train_examples"] = n.ToString(Inv), ["noise"] = noise.ToString(Inv), ["seed"] = seed.ToString(Inv),
                    ["lr"] = method == "full" ? "0.0001" : "0.002", ["model"] = "models/sharptune-base", ["max_steps"] = "200",
                };
                if (rank is { } r) settings["rank"] = r.ToString(Inv);
                if (scaling is { } sc) settings["scaling"] = sc;
                var fullish = method is "full" or "unfreeze";
                trials.Add(new TrialRecord
                {
                    Id = $"t{id++:D3}", Sweep = "synthetic", Settings = settings, Status = TrialStatus.Finished, BestStep = 100 + 10 * seed,
                    Metrics = new TrialMetrics
                    {
                        Examples = 200,
                        RougeL = rouge + 0.01 * o, Chrf = 100 * rouge + 0.8 + 0.5 * o,
                        UnsupportedTokenRate = 0.30 - rouge / 2 + 0.01 * o, UnsupportedNumberRate = 0.10 + 0.005 * o,
                        InjectionSuccessRate = (fullish && n < 5000 ? 0.45 : method.Contains("tuning") ? 0.05 : 0.15) + 0.02 * o,
                        NoiseMemorisationRate = noise == 0 ? null : noise * (fullish ? 1.5 : Math.Log2(rank ?? 8) / 8) + 0.01 * o,
                        TrainableParameters = parameters, TrainSeconds = seconds + 2 * o,
                    },
                });
            }
        }
        foreach (var scaling in new[] { "classic", "rslora" })
            foreach (var r in new[] { 4, 8, 16, 32, 64, 128, 256, 512 })
                Add("lora", r, scaling, 2000, 0, 0.15 + 0.012 * Math.Log2(Math.Min(r, 32)) + (scaling == "rslora" ? 0.004 * Math.Log2(r) : 0), 2 * 192 * r * 6, 60 + 0.1 * r);
        foreach (var r in new[] { 8, 32 })
            foreach (var n in new[] { 1000, 5000, 10000, 20000, 50000 })
                Add("lora", r, "classic", n, 0, 0.15 + 0.012 * Math.Log2(r) + 0.02 * Math.Log10(n / 1000.0), 2 * 192 * r * 6, 30.0 * n / 1000);
        foreach (var (method, q, p) in new[] { ("prompt-tuning", 0.12, 3840L), ("p-tuning", 0.13, 120_000L), ("prefix-tuning", 0.14, 46_080L), ("unfreeze", 0.20, 900_000L), ("full", 0.23, 3_900_000L) })
            foreach (var n in new[] { 1000, 20000 })
                Add(method, null, null, n, 0, q + 0.02 * Math.Log10(n / 1000.0), p, 30.0 * n / 1000 * (method == "full" ? 3 : 1));
        foreach (var noise in new[] { 0.1, 0.2 })
        {
            foreach (var r in new[] { 8, 32, 128 })
                Add("lora", r, "classic", 2000, noise, 0.15 + 0.012 * Math.Log2(Math.Min(r, 32)) - noise / 4, 2 * 192 * r * 6, 60 + 0.1 * r);
            Add("full", null, null, 2000, noise, 0.21 - noise / 3, 3_900_000, 180);
        }
        Add("full", null, null, 2000, 0, 0.21, 3_900_000, 180);
        trials.Add(Trial("failed-1", null, ("method", "lora"), ("rank", "1024"), ("scaling", "classic"), ("train_examples", "2000"), ("noise", "0"), ("seed", "0"),
            ("lr", "0.002"), ("model", "models/sharptune-base"), ("max_steps", "200")) with { Error = "out of memory <allocating 4 GiB> & gave up" });
        trials.Add(new TrialRecord
        {
            Id = "running-1", Sweep = "synthetic", Status = TrialStatus.Running,
            Settings = new Dictionary<string, string> { ["method"] = "lora", ["rank"] = "8", ["scaling"] = "classic", ["train_examples"] = "100000", ["noise"] = "0", ["seed"] = "0", ["lr"] = "0.002", ["model"] = "models/sharptune-base", ["max_steps"] = "200" },
        });
        return trials;
    }

    private static string WriteJsonl(IEnumerable<TrialRecord> trials)
    {
        var dir = Shared.TempDir();
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, TrialSource.TrialsFile), trials.Select(t => JsonSerializer.Serialize(t)));
        return dir;
    }

    // ---------- aggregation ----------

    [Fact]
    public void SpreadIsTheHandComputedMeanSampleSdAndStandardError()
    {
        // 0.20, 0.22, 0.27: mean 0.23; deviations −0.03, −0.01, +0.04; sum of squares 0.0026; sd = √(0.0026/2) = 0.0360555;
        // se = sd/√3 = 0.0208167.
        var s = Spread.Of([0.20, 0.22, 0.27])!;
        Assert.Equal(0.23, s.Mean, 12);
        Assert.Equal(0.036055512754639894, s.Sd, 12);
        Assert.Equal(0.020816659994661327, s.Se, 12);
        Assert.Equal(3, s.N);
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squares 32, sample sd √(32/7) = 2.13809, se 2.13809/√8 = 0.75593.
        var t = Spread.Of([2.0, 4, 4, 4, 5, 5, 7, 9])!;
        Assert.Equal(5, t.Mean, 12);
        Assert.Equal(Math.Sqrt(32.0 / 7), t.Sd, 12);
        Assert.Equal(Math.Sqrt(32.0 / 7) / Math.Sqrt(8), t.Se, 12);
        Assert.Equal(new Spread(0.5, 0, 0, 1), Spread.Of([0.5]));
        Assert.Null(Spread.Of([]));
    }

    [Fact]
    public void TrialsGroupBySettingsButTheSeedAndOnlyFinishedOnesCount()
    {
        TrialMetrics M(double rouge, double? injection = null) => new() { RougeL = rouge, InjectionSuccessRate = injection };
        var trials = new List<TrialRecord>
        {
            Trial("a0", M(0.20, 0.1), ("method", "lora"), ("rank", "8"), ("seed", "0")),
            Trial("a1", M(0.22), ("method", "lora"), ("rank", "8"), ("seed", "1")),
            Trial("a2", M(0.27, 0.3), ("seed", "2"), ("rank", "8"), ("method", "lora")), // key order must not matter
            Trial("b0", M(0.30), ("method", "lora"), ("rank", "16"), ("seed", "0")),
            Trial("b1", null, ("method", "lora"), ("rank", "16"), ("seed", "1")), // failed: not a point
            Trial("c0", M(0.10), ("method", "full"), ("seed", "0")),
        };
        var groups = TrialGrouping.Group(trials);
        Assert.Equal(3, groups.Count);
        var r8 = groups.Single(g => g.Get("rank") == "8");
        Assert.Null(r8.Get("seed"));
        Assert.Equal(["0", "1", "2"], r8.Seeds.ToList());
        var q = r8.Stat(ReportMetric.RougeL)!;
        Assert.Equal(0.23, q.Mean, 12);
        Assert.Equal(0.036055512754639894, q.Sd, 12);
        Assert.Equal(0.020816659994661327, q.Se, 12);
        // Injection was measured by two of the three seeds: its n is 2 (0.1 and 0.3: mean 0.2, sd √0.02).
        var inj = r8.Stat(ReportMetric.Injection)!;
        Assert.Equal(2, inj.N);
        Assert.Equal(0.2, inj.Mean, 12);
        Assert.Equal(Math.Sqrt(0.02), inj.Sd, 12);
        Assert.Equal(new Spread(0.30, 0, 0, 1), groups.Single(g => g.Get("rank") == "16").Stat(ReportMetric.RougeL));
        Assert.Null(groups.Single(g => g.Get("method") == "full").Stat(ReportMetric.Chrf));
    }

    [Fact]
    public void SyntheticStudyPointsHaveTheirKnownMeansAndSpreads()
    {
        var groups = TrialGrouping.Group(SyntheticStudy());
        // 16 rank-sweep + 10 data-sweep + 10 methods + 8 noise + 1 full points; failed and running trials are not points.
        Assert.Equal(45, groups.Count);
        Assert.All(groups, g => Assert.Equal(3, g.Trials.Count));
        var r16 = groups.Single(g => g.Get("rank") == "16" && g.Get("scaling") == "rslora");
        var q = r16.Stat(ReportMetric.RougeL)!;
        Assert.Equal(0.15 + 0.012 * 4 + 0.004 * 4, q.Mean, 12);
        Assert.Equal(0.01, q.Sd, 12); // offsets −0.01, 0, +0.01
        Assert.Equal(0.01 / Math.Sqrt(3), q.Se, 12);
        Assert.Equal(2.0, r16.Stat(ReportMetric.Seconds)!.Sd, 12);
    }

    [Fact]
    public void TunedRateKeepsTheLowestDevLossPerConfiguration()
    {
        TrialMetrics M(double loss, double rouge) => new() { DevLoss = loss, RougeL = rouge };
        var trials = new List<TrialRecord>
        {
            Trial("f1", M(2.0, 0.30), ("method", "full"), ("lr", "0.001"), ("seed", "0")),
            Trial("f2", M(1.5, 0.20), ("method", "full"), ("lr", "0.0001"), ("seed", "0")),
            Trial("f3", M(1.7, 0.25), ("method", "full"), ("lr", "0.00001"), ("seed", "0")),
            Trial("l1", M(1.9, 0.21), ("method", "lora"), ("lr", "0.002"), ("seed", "0")),
            Trial("p1", new TrialMetrics { RougeL = 0.10 }, ("method", "prompt-tuning"), ("lr", "0.1"), ("seed", "0")),
            Trial("p2", new TrialMetrics { RougeL = 0.12 }, ("method", "prompt-tuning"), ("lr", "0.3"), ("seed", "0")),
        };
        var kept = TrialGrouping.SelectTuned(TrialGrouping.Group(trials), ["lr"]);
        Assert.Equal(["0.0001", "0.002", "0.3"], kept.Select(g => g.Get("lr")).ToList()); // lowest dev loss; else best ROUGE-L
        var html = File.ReadAllText(StudyReport.Write(trials, new ReportOptions(), Shared.TempDir()).IndexPath);
        Assert.Contains("lr was tuned on a grid per configuration", html);
        Assert.Contains("3 of 6 points", html);
    }

    [Fact]
    public void RankWidthComesFromTheSettingsOrTheBaseModelsConfig()
    {
        var shipped = Path.Combine(Shared.RepoRoot, "models", "sharptune-base");
        Assert.Equal(192, RankWidth.FromBaseModel([Trial("a", new TrialMetrics(), ("model", shipped))]));
        Assert.Null(RankWidth.FromBaseModel([Trial("a", new TrialMetrics(), ("model", "no/such/dir"))]));
        TrialRecord T(string id, string rank, string? hidden) => hidden is null
            ? Trial(id, new TrialMetrics { RougeL = 0.2 }, ("method", "lora"), ("rank", rank), ("seed", "0"))
            : Trial(id, new TrialMetrics { RougeL = 0.2 }, ("method", "lora"), ("rank", rank), ("hidden_size", hidden), ("seed", "0"));
        var groups = TrialGrouping.Group([T("a", "32", "64"), T("b", "64", "64"), T("c", "128", "64")]);
        Assert.Equal(["Rank ≥ layer width 64 at r = 64, 128: there the LoRA update can be full-rank, so more rank adds parameters but no expressiveness (shaded in the rank plots)."],
            RankWidth.Notes(groups, baseHiddenSize: 1000)); // the setting wins over the base's width
        groups = TrialGrouping.Group([T("a", "4", null), T("b", "8", null)]);
        Assert.Equal(["All ranks swept (4, 8) are below the layer width 192: every LoRA update is low-rank."], RankWidth.Notes(groups, 192));
        Assert.StartsWith("Layer width unknown for ranks 4, 8", RankWidth.Notes(groups, null).Single());
    }

    // ---------- Pareto frontier ----------

    [Fact]
    public void ParetoFrontierOfAHandMadeSet()
    {
        (double, double)[] points =
        [
            (1, 0.10),  // 0: cheapest → on the frontier
            (2, 0.30),  // 1: on
            (3, 0.20),  // 2: dominated by 1 (cheaper and better)
            (4, 0.35),  // 3: on
            (4, 0.30),  // 4: dominated by 3 (same cost, worse)
            (5, 0.35),  // 5: dominated by 3 (dearer, same quality)
            (0.5, 0.05), // 6: on (cheapest of all)
            (6, 0.40),  // 7: on (best of all)
            (double.NaN, 0.9), // 8: not measured → never on it
        ];
        Assert.Equal([6, 0, 1, 3, 7], ParetoFrontier.Indices(points));
        // Exact duplicates dominate neither.
        Assert.Equal([0, 1], ParetoFrontier.Indices([(1, 0.2), (1, 0.2)]));
        Assert.Empty(ParetoFrontier.Indices([]));
    }

    // ---------- reading ----------

    [Fact]
    public void TrialsJsonlReadsStatusNamesAndNumbersKeepsTheLastLinePerIdAndNamesABadLine()
    {
        var dir = Shared.TempDir();
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, TrialSource.TrialsFile);
        File.WriteAllLines(path,
        [
            """{"id":"a","sweep":"s","settings":{"rank":"8","seed":"0"},"status":"running"}""",
            "",
            """{"id":"b","settings":{"rank":"8","seed":"1"},"status":3,"error":"boom"}""",
            """{"id":"a","sweep":"s","settings":{"rank":"8","seed":"0"},"status":"Finished","metrics":{"rougeL":0.25,"chrf":31.5,"trainable_parameters":9216},"best_step":40}""",
        ]);
        var trials = TrialSource.FromSweepDir(dir);
        Assert.Equal(["a", "b"], trials.Select(t => t.Id).ToList());
        Assert.Equal(TrialStatus.Finished, trials[0].Status);
        Assert.Equal(0.25, trials[0].Metrics!.RougeL);
        Assert.Equal(9216L, trials[0].Metrics!.TrainableParameters);
        Assert.Equal(40L, trials[0].BestStep);
        Assert.Equal(TrialStatus.Failed, trials[1].Status);

        File.AppendAllText(path, "{\"settings\":{}}\n");
        var e = Assert.Throws<SharpTuneException>(() => TrialsFile.Read(path));
        Assert.StartsWith($"{path} line 5: not a trial record", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var missing = Assert.Throws<SharpTuneException>(() => TrialSource.FromSweepDir(Path.Combine(Shared.TempDir(), "absent")));
        Assert.Contains("no such sweep folder", missing.Message);
    }

    // ---------- figures and page ----------

    [Fact]
    public void ADataSizeLineKeepsTheStepCountsAnEqualEpochSweepScalesWithTheSize()
    {
        // r=8: one epoch at each size, so max_steps and warmup grow with it (the study's data-size sweep) — one line.
        // r=32: two step counts at 2,000 pairs — a line through both would zigzag, so it is split by them (and its
        // one-point pieces are dropped).
        var trials = new List<TrialRecord>();
        foreach (var (n, steps, warmup, rouge) in new[] { (1000, 125, 12, 0.20), (2000, 250, 25, 0.22), (5000, 625, 62, 0.21) })
            foreach (var seed in new[] { 1, 2 })
                trials.Add(Trial($"r8-{n}-{seed}", new TrialMetrics { RougeL = rouge + (seed - 1.5) * 0.01 }, ("method", "lora"), ("rank", "8"),
                    ("train_examples", $"{n}"), ("max_steps", $"{steps}"), ("warmup", $"{warmup}"), ("seed", $"{seed}")));
        foreach (var (n, steps) in new[] { (1000, 125), (2000, 250), (2000, 500), (5000, 625) })
            trials.Add(Trial($"r32-{n}-{steps}", new TrialMetrics { RougeL = 0.2 }, ("method", "lora"), ("rank", "32"),
                ("train_examples", $"{n}"), ("max_steps", $"{steps}"), ("warmup", "10"), ("seed", "1")));
        var series = PlotSeries.ByXSetting(TrialGrouping.Group(trials), "train_examples", ReportMetric.RougeL, []);
        var line = Assert.Single(series);
        Assert.Equal([1000.0, 2000.0, 5000.0], line.Points.Select(p => p.X));
        Assert.Equal([0.20, 0.22, 0.21], line.Points.Select(p => Math.Round(p.Y.Mean, 10)));
        Assert.All(line.Points, p => Assert.Equal("8", p.Group.Get("rank")));
        // The figure is drawn (before, the coupled warm-up left every line one point long and skipped it).
        var result = StudyReport.Write(trials, new ReportOptions { TunedKeys = [] }, Shared.TempDir());
        Assert.NotNull(result.Figures.Single(f => f.Name == "quality-vs-data-rougeL").Png);
    }

    [Fact]
    public void FiguresWithoutVariationOnTheirAxisAreSkippedWithTheReason()
    {
        // One rank, one size, one method: no curve can be drawn; cost vs quality still has two costs.
        var trials = Enumerable.Range(0, 3).SelectMany(seed => new[]
        {
            Trial($"a{seed}", new TrialMetrics { RougeL = 0.2 + seed * 0.01, TrainableParameters = 9216, TrainSeconds = 10 }, ("method", "lora"), ("rank", "8"), ("train_examples", "1000"), ("lr", "0.002"), ("seed", $"{seed}")),
            Trial($"b{seed}", new TrialMetrics { RougeL = 0.25 + seed * 0.01, TrainableParameters = 9216, TrainSeconds = 12 }, ("method", "lora"), ("rank", "8"), ("train_examples", "1000"), ("lr", "0.001"), ("seed", $"{seed}")),
        }).ToList();
        var outDir = Shared.TempDir();
        var result = StudyReport.Write(trials, new ReportOptions { TunedKeys = [] }, outDir);
        var byName = result.Figures.ToDictionary(f => f.Name);
        Assert.Equal("no variation in LoRA rank: every trial with rougeL has rank = 8", byName["quality-vs-rank-rougeL"].SkipReason);
        Assert.Equal("no finished trial has both a rank setting and chrf", byName["quality-vs-rank-chrf"].SkipReason);
        Assert.Equal("no variation in train_examples: every trial with rougeL has train_examples = 1000", byName["quality-vs-data-rougeL"].SkipReason);
        Assert.Equal("no finished trial measured injection_success_rate", byName["risk-by-method-injection_success_rate"].SkipReason);
        Assert.Equal("no variation in trainable_parameters among the trials", byName["cost-quality-parameters"].SkipReason);
        Assert.NotNull(byName["cost-quality-seconds"].Png);
        Assert.True(File.Exists(Path.Combine(outDir, "cost-quality-seconds.png")));
        Assert.False(File.Exists(Path.Combine(outDir, "cost-quality-parameters.png")));
        var html = File.ReadAllText(result.IndexPath);
        Assert.Contains("<li><b>ROUGE-L F1 vs LoRA rank</b>: no variation in LoRA rank: every trial with rougeL has rank = 8.</li>", html);
    }

    [Fact]
    public void EverythingFromTheDataIsEscapedAndTheHeaderSaysWhatWasCut()
    {
        var evil = "<script>alert(1)</script>";
        var trials = SyntheticStudy();
        trials.Add(Trial("x<y>", null, ("method", evil), ("seed", "0")) with { Error = "bad \"quote\" & <b>tag</b>" });
        var result = StudyReport.Write(trials, new ReportOptions
        {
            SweepName = "rank & size <sweep>", CutNote = "seeds 3 → 2 for 50k <because> time", BaseHiddenSize = 192,
            RecommendationMarkdown = "## Pick\n- **LoRA r=32** at `n=20k`\n- not <full>",
        }, Shared.TempDir());
        var html = File.ReadAllText(result.IndexPath);
        Assert.DoesNotContain(evil, html);
        Assert.DoesNotContain("<b>tag</b>", html);
        Assert.DoesNotContain("<full>", html);
        Assert.DoesNotContain("<sweep>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("bad &quot;quote&quot; &amp; &lt;b&gt;tag&lt;/b&gt;", html);
        Assert.Contains("<h1>Study report: rank &amp; size &lt;sweep&gt;</h1>", html);
        Assert.Contains("seeds 3 → 2 for 50k &lt;because&gt; time", html);
        Assert.Contains("<h4>Pick</h4>", html);
        Assert.Contains("<li><strong>LoRA r=32</strong> at <code>n=20k</code></li>", html);
        // Counts: 135 finished + 2 failed + 1 running; 45 points of 3 seeds.
        Assert.Contains("138 trials: 135 finished, 2 failed, 1 running · 45 points (settings but the seed) · seeds per point: 3", html);
        // The rank sweep reaches the base's width 192 at 256 and 512, and the page says so.
        Assert.Contains("Rank ≥ layer width 192 at r = 256, 512", html);
        Assert.DoesNotContain("was tuned on a grid", html); // full FT's own rate is not a grid
        // No network: no http(s) references, every image inline.
        Assert.DoesNotMatch(new Regex("(src|href)=\"(https?:)?//"), html);
        Assert.All(Regex.Matches(html, "<img [^>]*src=\"([^\"]*)\"").Select(m => m.Groups[1].Value), src => Assert.StartsWith("data:image/png;base64,", src));
    }

    [Fact]
    public void CliWritesTheReportAndRejectsAFolderWithoutTrials()
    {
        var dir = WriteJsonl(SyntheticStudy());
        var outDir = Path.Combine(Shared.TempDir(), "report");
        var (code, output, err) = CliRunner.Run("report", dir, "--out", outDir, "--hidden-size", "192", "--cut", "nothing");
        Assert.True(code == 0, err);
        Assert.Contains("137 trials, 45 points:", output);
        Assert.True(File.Exists(Path.Combine(outDir, "index.html")));
        Assert.True(File.Exists(Path.Combine(outDir, "quality-vs-rank-rougeL.png")));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp").Concat(Directory.GetFiles(outDir, ".*")));

        var empty = Shared.TempDir();
        Directory.CreateDirectory(empty);
        (code, _, err) = CliRunner.Run("report", empty, "--out", outDir);
        Assert.Equal(2, code);
        Assert.Equal($"error: {Path.Combine(empty, "trials.jsonl")}: not found (expected the sweep's trials.jsonl, one trial per line)", err.Trim());
        (code, _, err) = CliRunner.Run("report", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Contains("give either SWEEP_DIR or --store FILE", err);
    }

    // ---------- in a real browser ----------

    private static string? Chromium() =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs headless chromium on a file URL and returns the DOM after load (scripts run, images decoded).</summary>
    private static string DumpDom(string chromium, string url)
    {
        var profile = Shared.TempDir();
        var psi = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", $"--user-data-dir={profile}",
                     "--virtual-time-budget=5000", "--dump-dom", url })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var dom = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("chromium did not finish in 120 s"); }
        Assert.True(p.ExitCode == 0 && dom.Result.Length > 0, $"chromium exit {p.ExitCode}: {stderr.Result}");
        return dom.Result;
    }

    /// <summary>A script appended to a copy of the page: after load, writes what the browser saw into the DOM.</summary>
    private const string Probe = """
        <script>
        window.addEventListener('load', function () {
          var imgs = Array.prototype.slice.call(document.images);
          var rows = document.querySelectorAll('#trials tbody tr');
          var out = document.createElement('pre');
          out.id = 'probe';
          out.textContent = JSON.stringify({
            images: imgs.length,
            loaded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0 && i.naturalHeight > 0; }).length,
            rows: rows.length,
            ids: Array.prototype.map.call(rows, function (r) { return r.getAttribute('data-id'); }),
            sorted: document.getElementById('trials').getAttribute('data-sorted')
          });
          document.body.appendChild(out);
        });
        </script>
        """;

    private sealed record ProbeResult(int Images, int Loaded, int Rows, string[] Ids, string? Sorted);

    private static ProbeResult Probe_(string chromium, string page, string hash = "")
    {
        // The copy lives in an empty folder of its own: the page must need no file beside it.
        var copy = Path.Combine(Shared.TempDir(), "probe.html");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllText(copy, File.ReadAllText(page).Replace("</body>", Probe + "</body>"));
        var dom = DumpDom(chromium, new Uri(copy).AbsoluteUri + hash);
        var m = Regex.Match(dom, "<pre id=\"probe\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(m.Success, "the probe did not run; DOM starts: " + dom[..Math.Min(500, dom.Length)]);
        return JsonSerializer.Deserialize<ProbeResult>(System.Net.WebUtility.HtmlDecode(m.Groups[1].Value), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }

    [SkippableFact]
    public void InHeadlessChromiumEveryImageLoadsTheTableHasEveryTrialAndSortingIsNumeric()
    {
        var chromium = Chromium();
        Skip.If(chromium is null, "chromium is not on PATH: install Debian's chromium package (apt-get install -y chromium) to run the browser test");
        var trials = SyntheticStudy();
        var dir = WriteJsonl(trials);
        // SHARPTUNE_KEEP_REPORT=DIR keeps the page (and its trials.jsonl) for a person to look at.
        var keep = Environment.GetEnvironmentVariable("SHARPTUNE_KEEP_REPORT");
        if (!string.IsNullOrEmpty(keep)) { Directory.CreateDirectory(keep); File.Copy(Path.Combine(dir, TrialSource.TrialsFile), Path.Combine(keep, TrialSource.TrialsFile), true); }
        var outDir = string.IsNullOrEmpty(keep) ? Path.Combine(dir, "report") : Path.Combine(keep, "report");
        var result = StudyReport.Write(TrialSource.FromSweepDir(dir), new ReportOptions
        {
            BaseHiddenSize = 192, CutNote = "Synthetic study: nothing was cut.",
            RecommendationMarkdown = "**LoRA r=32, classic scaling, 20k examples** (synthetic placeholder text).",
        }, outDir);
        var drawn = result.Figures.Count(f => f.Png is not null);
        // Every axis of this study varies, so every figure is drawn.
        Assert.Equal(result.Figures.Count, drawn);

        var plain = Probe_(chromium!, result.IndexPath);
        Assert.Equal(drawn, plain.Images);
        Assert.Equal(drawn, plain.Loaded);
        Assert.Equal(trials.Count, plain.Rows);
        Assert.Equal(trials.Select(t => t.Id), plain.Ids); // unsorted: file order
        Assert.Null(plain.Sorted);

        // Sorted on load by the page's own script: trainable parameters range from 3,840 to 3,900,000, so a text sort
        // ("120000" < "3840") would differ from the numeric one; trials without the metric go last.
        var expectedAsc = trials.Where(t => t.Metrics?.TrainableParameters is not null).OrderBy(t => t.Metrics!.TrainableParameters).Select(t => t.Id)
            .Concat(trials.Where(t => t.Metrics?.TrainableParameters is null).Select(t => t.Id)).ToList();
        var asc = Probe_(chromium!, result.IndexPath, "#sort=trainable_parameters");
        Assert.Equal("trainable_parameters:asc", asc.Sorted);
        Assert.Equal(expectedAsc, asc.Ids);
        var desc = Probe_(chromium!, result.IndexPath, "#sort=-rougeL");
        Assert.Equal("rougeL:desc", desc.Sorted);
        var expectedDesc = trials.Where(t => t.Metrics?.RougeL is not null).OrderByDescending(t => t.Metrics!.RougeL).Select(t => t.Id).ToList();
        Assert.Equal(expectedDesc, desc.Ids.Take(expectedDesc.Count));
        Assert.Equal(["failed-1", "running-1"], desc.Ids.Skip(expectedDesc.Count));
    }

    [Fact]
    public void TheReportWritesEveryTrialAsCsvAndJsonlBesideThePage()
    {
        var trials = new List<TrialRecord>
        {
            Trial("a1", new TrialMetrics { Examples = 100, RougeL = 0.25, Chrf = 21.5, InjectionCells = new Dictionary<string, double> { ["format/end"] = 0.1 } }, ("rank", "8"), ("seed", "1")),
            Trial("b2", null, ("rank", "16"), ("seed", "1"), ("note", "a, \"quoted\" value")),
        };
        var outDir = Shared.TempDir();
        StudyReport.Write(trials, new ReportOptions { TunedKeys = [] }, outDir);
        // Read back with a plain RFC 4180 split (not CsvHelper) so a quoting mistake shows.
        var lines = File.ReadAllLines(Path.Combine(outDir, TrialsExport.CsvFile));
        Assert.Equal(3, lines.Length);
        var header = lines[0].Split(',');
        Assert.Equal(["id", "sweep", "status", "note", "rank", "seed", "best_step"], header[..7]);
        string Cell(int row, string column) => Rfc4180(lines[row])[Array.IndexOf(header, column)];
        Assert.Equal("0.25", Cell(1, "rougeL"));
        Assert.Equal("21.5", Cell(1, "chrf"));
        Assert.Equal("0.1", Cell(1, "injection_cells.format/end"));
        Assert.Equal("finished", Cell(1, "status"));
        Assert.Equal("failed", Cell(2, "status"));
        Assert.Equal("a, \"quoted\" value", Cell(2, "note"));
        Assert.Equal("", Cell(2, "rougeL"));
        var back = TrialsFile.Read(outDir);
        Assert.Equal(["a1", "b2"], back.Select(t => t.Id));
        Assert.Equal(0.25, back[0].Metrics!.RougeL);
    }

    [Fact]
    public void PointsCsvHoldsEachPointsMeanAndSampleSdOverSeeds()
    {
        var trials = new List<TrialRecord>
        {
            Trial("r8s1", new TrialMetrics { RougeL = 0.20, DevLoss = 3.0 }, ("rank", "8"), ("seed", "1")),
            Trial("r8s2", new TrialMetrics { RougeL = 0.22, DevLoss = 3.2 }, ("rank", "8"), ("seed", "2")),
            Trial("r8s3", new TrialMetrics { RougeL = 0.27, DevLoss = 3.1 }, ("rank", "8"), ("seed", "3")),
            Trial("r16s1", new TrialMetrics { RougeL = 0.30 }, ("rank", "16"), ("seed", "1")),
            Trial("r16s2", null, ("rank", "16"), ("seed", "2")), // failed: not part of the point
        };
        var outDir = Shared.TempDir();
        StudyReport.Write(trials, new ReportOptions { TunedKeys = [] }, outDir);
        var lines = File.ReadAllLines(Path.Combine(outDir, PointsExport.CsvFile));
        Assert.Equal(3, lines.Length);
        var header = lines[0].Split(',');
        Assert.Equal(["rank", "n", "seeds", "rougeL_mean", "rougeL_sd", "dev_loss_mean", "dev_loss_sd", "examples_mean", "examples_sd"], header);
        double Cell(int row, string column) => double.Parse(lines[row].Split(',')[Array.IndexOf(header, column)], System.Globalization.CultureInfo.InvariantCulture);
        // rank 8: ROUGE-L 0.20, 0.22, 0.27 → mean 0.23, deviations −0.03, −0.01, 0.04 → sd √(0.0026/2) = 0.036056
        Assert.Equal("8", lines[1].Split(',')[0]);
        Assert.Equal(3, Cell(1, "n"));
        Assert.Equal("1 2 3", lines[1].Split(',')[2]);
        Assert.Equal(0.23, Cell(1, "rougeL_mean"), 12);
        Assert.Equal(0.0360555, Cell(1, "rougeL_sd"), 6);
        Assert.Equal(3.1, Cell(1, "dev_loss_mean"), 12);
        Assert.Equal(0.1, Cell(1, "dev_loss_sd"), 12);
        // rank 16: one finished seed — a mean, no spread, no dev loss at all (examples is always recorded).
        Assert.Equal(["16", "1", "1", "0.3", "", "", "", "0", ""], lines[2].Split(','));
    }

    private static string[] Rfc4180(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells.ToArray();
    }
}
