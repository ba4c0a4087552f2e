using System.Text.Json;
using SharpTune.Audit;
using SharpTune.Audit.Model;
using SharpTune.Audit.Planting;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Sweeps;

namespace SharpTune.Tests.Audit;

/// <summary>The audit end to end: planted errors on real Debian data (a bound per detector), the folds' plumbing, --write-clean, the CLI.</summary>
[Collection("console")]
public class AuditPipelineTests
{
    private static string Train => Path.Combine(Shared.Root, "data", "debian-descriptions", "train.jsonl");

    /// <summary>
    /// 1,500 real Debian pairs with 2 % planted (8 per kind, seed 3). Measured at the defaults when this was written:
    /// injection and conflicts found in full, swaps 0.75, truncations 0.63 (see README). The bounds sit below those
    /// and far above what a broken detector gives (0).
    /// </summary>
    [Fact]
    public void PlantedErrorsAreFoundWithinBounds()
    {
        var dir = Shared.TempDir();
        var (examples, planted) = ErrorPlanter.Plant(AuditData.Read(Train, 1500), 0.02, 3, SftDataOptions.DefaultPairTemplate);
        var data = Path.Combine(dir, "planted.jsonl");
        var record = Path.Combine(dir, "planted.record.jsonl");
        ErrorPlanter.WriteData(data, examples);
        ErrorPlanter.WriteRecord(record, planted);
        Assert.Equal(30, planted.Count(p => p.Kind != PlantedEvaluation.Original));
        var result = AuditRunner.Run(new AuditRequest { Data = data, Planted = record, Out = Path.Combine(dir, "out") });
        var p = result.Planted!;
        DetectorScore D(string kind) => p.Detectors.Single(d => d.Kind == kind);
        Assert.Equal(1.0, D("source-injection").Recall["inject"]);
        Assert.True(D("source-injection").Precision >= 0.9, $"source-injection precision {D("source-injection").Precision}");
        Assert.True(D("conflicting-answer").Recall["conflict"] >= 0.85, $"conflict recall {D("conflicting-answer").Recall["conflict"]}");
        Assert.True(D("unsupported-label").Recall["swap"] >= 0.5, $"swap recall {D("unsupported-label").Recall["swap"]}");
        Assert.True(D("truncated-answer").Recall["truncate"] >= 0.25, $"truncate recall {D("truncated-answer").Recall["truncate"]}");
        Assert.True(D("truncated-answer").Precision >= 0.3, $"truncated precision {D("truncated-answer").Precision}");
        // The report's page shows the worst examples and the measurement.
        var html = File.ReadAllText(result.PagePath);
        Assert.Contains("id=\"worst\"", html);
        Assert.Contains("id=\"planted-scores\"", html);
    }

    [Fact]
    public void PlantingChangesExactlyTheRecordedExamples()
    {
        var data = Enumerable.Range(1, 200).Select(i => new AuditExample(i, $"p{i}", $"Source number {i} describes package {i}. It is a tool.", $"tool number {i} for things")).ToList();
        var (examples, planted) = ErrorPlanter.Plant(data, 0.1, 5, SftDataOptions.DefaultPairTemplate);
        Assert.Equal(205, examples.Count); // 5 conflicting copies added
        Assert.Equal(Enumerable.Range(1, 205), examples.Select(e => e.Line));
        var byLine = planted.ToDictionary(x => x.Line);
        foreach (var e in examples)
        {
            var original = data.SingleOrDefault(d => d.Id == e.Id);
            bool changed = original is null || original.Source != e.Source || original.Summary != e.Summary;
            Assert.Equal(changed, byLine.TryGetValue(e.Line, out var pl) && pl.Kind != PlantedEvaluation.Original);
        }
        foreach (var c in planted.Where(x => x.Kind == "conflict"))
        {
            var copy = examples[c.Line - 1];
            var orig = examples.Single(e => e.Id + "#copy" == copy.Id);
            Assert.Equal(orig.Source, copy.Source);
            Assert.NotEqual(orig.Summary, copy.Summary);
            Assert.Equal(PlantedEvaluation.Original, byLine[orig.Line].Kind);
        }
        Assert.All(planted.Where(x => x.Kind == "truncate"), t => Assert.StartsWith(examples[t.Line - 1].Summary, data.Single(d => d.Id == t.Id).Summary));
    }

    [Fact]
    public void PercentilesShareTiesAndFoldsAreBalancedAndSeeded()
    {
        Assert.Equal([1, 0, 0.5, 0.5], CrossValidation.Percentiles([3, 1, 2, 2]));
        var train = Enumerable.Range(1, 23).Select(i => new AuditExample(i, $"e{i}", i == 4 ? " " : $"source {i}", i == 9 ? "" : $"summary {i}")).ToList();
        var a = CrossValidation.Assign(train, 4, 1);
        Assert.Equal(-1, a[3]);
        Assert.Equal(-1, a[8]);
        var sizes = a.Where(f => f >= 0).GroupBy(f => f).Select(g => g.Count()).ToList();
        Assert.Equal(4, sizes.Count);
        Assert.True(sizes.Max() - sizes.Min() <= 1);
        Assert.Equal(a, CrossValidation.Assign(train, 4, 1));
        Assert.NotEqual(a, CrossValidation.Assign(train, 4, 2));
    }

    /// <summary>
    /// The rank's three signals on hand-computed percentiles. B (a rare but right label: improbable, yet its source
    /// explains it — loss falls by 3 nats with the source) and C (a wrong label: as improbable, the source saves 0.2)
    /// tie on loss and on the own summary; the gain separates them. Percentiles: loss A 0, D 1/3, B = C 5/6; low gain
    /// A = B 1/6, D 2/3, C 1; own summary A 0, D 1/3, B = C 5/6 → ranks C 8/9, B 11/18, D 4/9, A 1/18.
    /// </summary>
    [Fact]
    public void TheGainFromTheSourceTellsAWrongLabelFromARareOne()
    {
        ModelScore S(int line, double loss, double? prior, double rouge) => new($"e{line}", line, 0, loss, "own", rouge, 0) { PriorLoss = prior };
        var scores = new[] { S(1, 2, 5, 0.5), S(2, 6, 9, 0), S(3, 6, 6.2, 0), S(4, 3, 5, 0.3) };
        var ranked = CrossValidation.Ranked(scores);
        Assert.Equal([3, 2, 4, 1], ranked.Select(r => r.Line).ToArray());
        Assert.Equal(8.0 / 9, ranked[0].Rank, 12);
        Assert.Equal(11.0 / 18, ranked[1].Rank, 12);
        Assert.Equal(1.0 / 18, ranked[3].Rank, 12);
        // The default order, by the gain alone: C, D, then A and B (tied at 1/6, line order).
        Assert.Equal([3, 4, 1, 2], CrossValidation.Ranked(scores, "gain").Select(r => r.Line).ToArray());
        Assert.Equal([2, 3, 4, 1], CrossValidation.Ranked(scores, "loss").Select(r => r.Line).ToArray());
        // Folds that wrote no prior_loss: loss and own summary only, and then B and C tie (5/6 each; line order).
        var old = CrossValidation.Ranked(scores.Select(s => s with { PriorLoss = null }).ToList());
        Assert.Equal([2, 3], old.Take(2).Select(r => r.Line).ToArray());
        Assert.Equal(5.0 / 6, old[0].Rank, 12);
        // Scored on C planted as a swap: each signal's top 1 alone — loss and own summary pick B (the tie goes to the
        // lower line), the gain picks C; the combined rank's precision@1 is 1.
        var planted = PlantedEvaluation.Compute(4, [new PlantedError(3, "e3", "swap", "")], [], ranked, ["swap"]);
        Assert.Equal(new Dictionary<string, double> { ["loss"] = 0, ["low_gain"] = 1, ["own_summary"] = 0 }, planted.ModelPrecisionBySignal);
        Assert.Equal(1, planted.ModelPrecisionAtK!["1 (= planted)"]);
    }

    /// <summary>
    /// The folds through the real sweep runner with a stand-in for the trial process: every held-out example is
    /// scored once, by a fold whose training file does not hold it, and the ranking puts what the stand-in found
    /// improbable first.
    /// </summary>
    [Fact]
    public void FoldsRunAsSweepTrialsAndEveryExampleIsScoredByAModelThatNeverSawIt()
    {
        var dir = Shared.TempDir();
        var train = Enumerable.Range(1, 40).Select(i => new AuditExample(i, $"e{i}", $"source {i}", i % 10 == 0 ? "WRONG label" : $"summary {i}")).ToList();
        var executor = new HeldOutExecutor();
        var scores = CrossValidation.Run(train, new CrossValidationOptions { Model = dir, Folds = 4 }, Path.Combine(dir, "folds"), executor);
        Assert.Equal(4, executor.Runs);
        Assert.Equal(Enumerable.Range(1, 40), scores.Select(s => s.Line).Order());
        Assert.Equal([10, 20, 30, 40], scores.Take(4).Select(s => s.Line).Order().ToArray());
        Assert.Equal(4, TrialsFile.Read(Path.Combine(dir, "folds", "sweep")).Count(t => t.Status == TrialStatus.Finished));
        // A second run resumes the sweep: no fold runs again.
        CrossValidation.Run(train, new CrossValidationOptions { Model = dir, Folds = 4 }, Path.Combine(dir, "folds"), executor);
        Assert.Equal(4, executor.Runs);
    }

    private sealed class HeldOutExecutor : ITrialExecutor
    {
        public int Runs;

        public TrialExecution Run(string sweep, TrialSpec trial, IReadOnlyDictionary<string, string> eval, string trialDir, bool resume, CancellationToken cancel)
        {
            Runs++;
            var trainIds = JsonlReader.ReadPairs(trial.Settings["data"]).Select(p => p.Id).ToHashSet();
            var held = JsonlReader.ReadPairs(trial.Settings["eval_data"]);
            Assert.Equal(held.Count.ToString(), trial.Settings["eval_limit"]);
            Assert.DoesNotContain(held, h => trainIds.Contains(h.Id));
            Assert.Equal(40 - held.Count, trainIds.Count);
            var lines = held.Select(h => JsonSerializer.Serialize(new { id = h.Id, prediction = "summary", loss = h.Summary.StartsWith("WRONG") ? 6.0 : 2.0, rouge_l = h.Summary.StartsWith("WRONG") ? 0.0 : 0.5 }));
            File.WriteAllLines(trial.Settings["eval_predictions"], lines);
            return new TrialExecution(new TrialOutcome { Metrics = new TrialMetrics { Examples = held.Count } }, null);
        }
    }

    [Fact]
    public void WriteCleanKeepsTheOriginalLinesAndNeverWritesTheInput()
    {
        var dir = Shared.TempDir();
        var data = Path.Combine(dir, "d.jsonl");
        File.WriteAllText(data, "{\"id\": \"a\", \"source\": \"GNU grep searches files for lines.\", \"summary\": \"search tool\"}\n" +
                                "{\"id\": \"b\", \"source\": \"GNU grep searches files for lines.\",  \"summary\": \"search tool\"}\n" +
                                "{\"id\": \"c\", \"source\": \"A font family.\", \"summary\": \"\"}\n" +
                                "{\"id\": \"d\", \"source\": \"A text editor for programmers.\", \"summary\": \"editor\"}\n");
        var clean = Path.Combine(dir, "clean.jsonl");
        var (code, stdout, err) = CliRunner.Run("data", "audit", "--data", data, "--write-clean", clean, "--out", Path.Combine(dir, "out"));
        Assert.True(code == 0, err + stdout);
        var lines = File.ReadAllLines(clean);
        var original = File.ReadAllLines(data);
        Assert.Equal([original[0], original[3]], lines); // b: an exact duplicate of a; c: empty answer
        var audit = File.ReadAllLines(Path.Combine(dir, "out", "audit.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["b", "c"], audit.Select(a => a.GetProperty("id").GetString()!).Order().ToArray());
        Assert.All(audit, a => Assert.Equal(1.0, a.GetProperty("score").GetDouble()));
        Assert.Equal("exact-duplicate", audit.Single(a => a.GetProperty("line").GetInt32() == 2).GetProperty("reasons")[0].GetProperty("kind").GetString());

        var before = File.ReadAllBytes(data);
        (code, _, err) = CliRunner.Run("data", "audit", "--data", data, "--write-clean", data, "--out", Path.Combine(dir, "out2"));
        Assert.Equal(2, code);
        Assert.Contains("same file as --data", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal(before, File.ReadAllBytes(data));
        // Through a symlink too.
        var link = Path.Combine(dir, "link.jsonl");
        File.CreateSymbolicLink(link, data);
        Assert.Throws<SharpTuneException>(() => AuditRunner.CheckPaths(new AuditRequest { Data = data, Out = dir, WriteClean = link }));
        // A second audit into the same --out is refused without --force.
        (code, _, err) = CliRunner.Run("data", "audit", "--data", data, "--out", Path.Combine(dir, "out"));
        Assert.Equal(2, code);
    }
}
