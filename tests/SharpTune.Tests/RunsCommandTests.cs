using System.Text.Json.Nodes;
using SharpTune.Study;

namespace SharpTune.Tests;

/// <summary>`sharptune runs list|show|compare` against a store written here; JSON parsed back, tables read as text.</summary>
[Collection("console")]
public class RunsCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    /// <summary>Three runs: r8 and r32 of sweep "ranks" (same lr, different rank, r32 failed), and one of another sweep.</summary>
    private static string MakeStore()
    {
        var path = Path.Combine(Shared.TempDir(), "study.db");
        using var store = SqliteExperimentStore.Open(path);
        var r8 = ExperimentStoreTests.FullRecord("ranks-r8") with
        {
            Sweep = "ranks",
            Settings = new Dictionary<string, string> { ["method"] = "lora", ["rank"] = "8", ["lr"] = "0.002" },
        };
        store.Upsert(r8);
        store.AddSteps("ranks-r8", [
            new StepMetrics(10, 3.0, null, 0.002), new StepMetrics(20, 2.5, 2.75, 0.002),
            new StepMetrics(30, 2.25, 2.5, 0.001), new StepMetrics(40, 2.0, 2.625, 0.0005),
        ]);
        store.Upsert(r8 with
        {
            Id = "ranks-r32",
            Settings = new Dictionary<string, string> { ["method"] = "lora", ["rank"] = "32", ["lr"] = "0.002", ["scaling"] = "rslora" },
            Status = TrialStatus.Failed,
            Error = "out of memory [at step 7]",
            Metrics = ExperimentStoreTests.FullMetrics() with { RougeL = 0.42, TrainableParameters = 4_000_000 },
        });
        store.Upsert(ExperimentStoreTests.FullRecord("sizes-1k") with { Sweep = "sizes", Settings = new Dictionary<string, string> { ["method"] = "full" } });
        return path;
    }

    [Fact]
    public void ListPrintsAllRunsOldestFirstAndFiltersBySweepAndStatus()
    {
        var store = MakeStore();
        var (code, output, err) = Run("runs", "list", "--store", store, "--json");
        Assert.True(code == 0, err);
        var doc = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(["ranks-r8", "ranks-r32", "sizes-1k"], doc.Select(r => (string)r!["id"]!));
        Assert.Equal("failed", (string)doc[1]!["status"]!);
        Assert.Equal(0.42, (double)doc[1]!["metrics"]!["rougeL"]!);
        Assert.Equal(0.25, (double)doc[0]!["metrics"]!["injection_cells"]!["instruction-en/middle"]!);
        Assert.Equal((string)doc[0]!["settings"]!["method"]!, (string)doc[0]!["options"]!["method"]!);

        Assert.Equal(["ranks-r8", "ranks-r32"], Ids(Run("runs", "list", "--store", store, "--sweep", "ranks", "--json").Out));
        Assert.Equal(["ranks-r32"], Ids(Run("runs", "list", "--store", store, "--status", "FAILED", "--json").Out));
        Assert.Empty(Ids(Run("runs", "list", "--store", store, "--sweep", "sizes", "--status", "running", "--json").Out));

        (code, output, _) = Run("runs", "list", "--store", store, "--sweep", "ranks");
        Assert.Equal(0, code);
        Assert.Contains("ranks-r8", output);
        Assert.Contains("ranks-r32", output);
        Assert.DoesNotContain("sizes-1k", output);
        Assert.Contains("0.4200", output);          // r32's ROUGE-L, as the table prints it
        Assert.Contains("2 run(s)", output);

        (code, _, err) = Run("runs", "list", "--store", store, "--status", "done");
        Assert.Equal(2, code);
        Assert.Equal("error: --status done: expected pending, running, finished, failed or cancelled", err.Trim());
    }

    [Fact]
    public void ShowPrintsSettingsMetricsAndTheStepsSummary()
    {
        var store = MakeStore();
        var (code, output, err) = Run("runs", "show", "ranks-r8", "--store", store, "--json");
        Assert.True(code == 0, err);
        var doc = JsonNode.Parse(output)!;
        Assert.Equal("ranks-r8", (string)doc["run"]!["id"]!);
        Assert.Equal("8", (string)doc["run"]!["settings"]!["rank"]!);
        Assert.Equal(0.37, (double)doc["run"]!["metrics"]!["rougeL"]!);
        Assert.Equal(3_000_000_000L, (long)doc["run"]!["metrics"]!["peak_rss_bytes"]!);
        // Hand-read from the steps written above: 4 steps 10…40, last loss 2.0, best eval 2.5 at step 30.
        var sum = doc["steps_summary"]!;
        Assert.Equal(4, (int)sum["count"]!);
        Assert.Equal(10, (long)sum["first_step"]!);
        Assert.Equal(40, (long)sum["last_step"]!);
        Assert.Equal(2.0, (double)sum["last_loss"]!);
        Assert.Equal(2.5, (double)sum["best_eval_loss"]!);
        Assert.Equal(30, (long)sum["best_eval_step"]!);
        Assert.Equal(4, doc["steps"]!.AsArray().Count);
        Assert.Equal(2.625, (double)doc["steps"]![3]!["eval_loss"]!);

        // A unique prefix is enough; the table shows the error (with its brackets intact) and the curve summary.
        (code, output, err) = Run("runs", "show", "ranks-r3", "--store", store);
        Assert.True(code == 0, err);
        Assert.Contains("out of memory [at step 7]", output);
        Assert.Contains("rslora", output);
        Assert.Contains("4,000,000", output);
        Assert.Contains("instruction-en/middle", output);
        Assert.Contains("no steps recorded", output);
        Assert.Contains("best eval loss 2.5000 at step 30", Run("runs", "show", "ranks-r8", "--store", store).Out);

        (code, _, err) = Run("runs", "show", "ranks", "--store", store);
        Assert.Equal(2, code);
        Assert.Contains("id prefix ranks matches 2 runs", err);
        (code, _, err) = Run("runs", "show", "nope", "--store", store);
        Assert.Equal(2, code);
        Assert.Equal($"error: {store}: no run with id nope (see `sharptune runs list`)", err.Trim());
    }

    [Fact]
    public void CompareShowsOnlyTheSettingsThatDifferAndTheMetricsSideBySide()
    {
        var store = MakeStore();
        var (code, output, err) = Run("runs", "compare", "ranks-r8", "ranks-r32", "--store", store, "--json");
        Assert.True(code == 0, err);
        var doc = JsonNode.Parse(output)!;
        Assert.Equal(["ranks-r8", "ranks-r32"], doc["ids"]!.AsArray().Select(n => (string)n!));
        var differ = doc["differing_settings"]!.AsObject();
        Assert.Equal(["rank", "scaling"], differ.Select(p => p.Key));
        Assert.Equal("8", (string)differ["rank"]!["ranks-r8"]!);
        Assert.Equal("32", (string)differ["rank"]!["ranks-r32"]!);
        Assert.Null(differ["scaling"]!["ranks-r8"]);
        Assert.Equal("rslora", (string)differ["scaling"]!["ranks-r32"]!);
        Assert.Equal(["method", "lr"], doc["common_settings"]!.AsObject().Select(p => p.Key));
        Assert.Equal("failed", (string)doc["differing_fields"]!["status"]!["ranks-r32"]!);
        Assert.False(doc["differing_fields"]!.AsObject().ContainsKey("sweep"));
        Assert.Equal(0.37, (double)doc["metrics"]!["rougeL"]!["ranks-r8"]!);
        Assert.Equal(0.42, (double)doc["metrics"]!["rougeL"]!["ranks-r32"]!);
        Assert.Equal(1_234_567, (long)doc["metrics"]!["trainable_parameters"]!["ranks-r8"]!);

        (code, output, err) = Run("runs", "compare", "ranks-r8", "ranks-r32", "--store", store);
        Assert.True(code == 0, err);
        var rankLine = output.Split('\n').Single(l => l.Contains(" rank "));
        Assert.True(rankLine.IndexOf(" 8 ", StringComparison.Ordinal) < rankLine.IndexOf(" 32 ", StringComparison.Ordinal), rankLine);
        var rougeLine = output.Split('\n').Single(l => l.Contains(" rougeL "));
        Assert.True(rougeLine.IndexOf("0.3700", StringComparison.Ordinal) < rougeLine.IndexOf("0.4200", StringComparison.Ordinal), rougeLine);
        Assert.DoesNotContain(" lr ", output.Split("in common:")[0]);
        Assert.Contains("in common: method=lora lr=0.002", output);

        (code, _, err) = Run("runs", "compare", "ranks-r8", "--store", store);
        Assert.Equal(2, code);
        Assert.Contains("at least two run ids", err);
    }

    [Fact]
    public void TheStoreComesFromTheOptionTheEnvironmentOrTheDefaultAndBadStoresAreOneLine()
    {
        var store = MakeStore();
        var old = Environment.GetEnvironmentVariable(ExperimentStores.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ExperimentStores.EnvironmentVariable, store);
            Assert.Equal(3, Ids(Run("runs", "list", "--json").Out).Count);
            Assert.Equal("other.db", ExperimentStores.Resolve("other.db"));
            Environment.SetEnvironmentVariable(ExperimentStores.EnvironmentVariable, null);
            Assert.Equal("runs/sharptune.db", ExperimentStores.Resolve(null));
        }
        finally { Environment.SetEnvironmentVariable(ExperimentStores.EnvironmentVariable, old); }

        var missing = Path.Combine(Shared.TempDir(), "none.db");
        var (code, _, err) = Run("runs", "list", "--store", missing);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {missing}: no experiment store there", err);
        Assert.False(File.Exists(missing));   // reading never creates a store

        var garbage = Path.Combine(Shared.TempDir(), "garbage.db");
        File.WriteAllBytes(garbage, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 + 3)).ToArray());
        (code, _, err) = Run("runs", "show", "x", "--store", garbage);
        Assert.Equal(2, code);
        Assert.Equal($"error: {garbage}: not a SharpTune experiment store: the file is not an SQLite database", err.Trim());
    }

    private static List<string> Ids(string json) => JsonNode.Parse(json)!.AsArray().Select(r => (string)r!["id"]!).ToList();
}
