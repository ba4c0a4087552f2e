using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace SharpTune.Tests.Cluster;

/// <summary>
/// `sweep --executor k8s --dry-run` prints a Kubernetes Indexed Job: validated against a strict JSON schema of the
/// batch/v1 Job fields it uses (References/k8s-indexed-job.schema.json, written from the Kubernetes API reference —
/// there is no cluster here to apply it to), and checked for what makes it run the sweep.
/// </summary>
[Collection("console")]
public class K8sManifestTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(File.ReadAllText(
        Path.Combine(Shared.RepoRoot, "tests", "SharpTune.Tests", "References", "k8s-indexed-job.schema.json")));

    [Fact]
    public void TheDryRunManifestIsAValidIndexedJobRunningEveryTrialByItsIndex()
    {
        var dir = Shared.TempDir();
        var sweepFile = Path.Combine(dir, "Rank Sweep.yaml");
        File.WriteAllText(sweepFile, """
            name: Rank Sweep
            base: { model: models/sharptune-base, data: train.jsonl, dev: dev.jsonl, max_steps: 5 }
            grid: { rank: [4, 8, 16] }
            resources: { cpus: 2, mem: 4G, time: "00:30:00" }
            """);
        var outDir = Path.Combine(dir, "out");
        var (code, output, err) = CliRunner.Run("sweep", sweepFile, "--executor", "k8s", "--dry-run", "--max-parallel", "2",
            "--store", "postgresql://study:s3cret@db.internal:5432/runs", "--out", outDir);
        Assert.True(code == 0, output + err);
        Assert.DoesNotContain("s3cret", output); // the password comes from a Secret, never the manifest

        var result = Schema.Evaluate(JsonDocument.Parse(output).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));

        var job = JsonNode.Parse(output)!;
        Assert.Equal("sharptune-rank-sweep", (string)job["metadata"]!["name"]!);
        Assert.Equal("Indexed", (string)job["spec"]!["completionMode"]!);
        Assert.Equal(3, (int)job["spec"]!["completions"]!);
        Assert.Equal(2, (int)job["spec"]!["parallelism"]!);
        var pod = job["spec"]!["template"]!["spec"]!;
        Assert.Equal(1800, (long)pod["activeDeadlineSeconds"]!);
        var c = pod["containers"]![0]!;
        var command = c["command"]!.AsArray().Select(a => (string)a!).ToList();
        Assert.Equal(["sweep-trial", Path.GetFullPath(outDir), "$(JOB_COMPLETION_INDEX)"], command.TakeLast(3));
        Assert.Equal("4Gi", (string)c["resources"]!["requests"]!["memory"]!);
        Assert.Equal("2", (string)c["resources"]!["limits"]!["cpu"]!);
        Assert.Equal("postgresql://study@db.internal:5432/runs", (string)c["env"]!.AsArray().Single(e => (string)e!["name"]! == "SHARPTUNE_STORE")!["value"]!);
        Assert.Equal(Path.GetFullPath(outDir), (string)c["volumeMounts"]![0]!["mountPath"]!);
        Assert.False(Directory.Exists(outDir)); // a dry run writes nothing
    }

    [Fact]
    public void TheSchemaRejectsWhatKubernetesWouldReject()
    {
        // The schema is not vacuous: one wrong field each, on an otherwise valid manifest.
        var plan = new SharpTune.Study.Sweeps.SweepPlan("s", [new(new Dictionary<string, string> { ["rank"] = "4" })], new Dictionary<string, string>(), new(1, "512M", "10"));
        var good = SharpTune.Study.Cluster.K8sManifest.Build("/sweeps/s", plan, "postgresql://u@h:1/d", "img", null, ["dotnet", "/app/SharpTune.Cli.dll"]);
        Assert.True(Valid(good));
        foreach (var breakIt in new Action<JsonObject>[]
        {
            j => j["spec"]!["completionMode"] = "Indexd",
            j => j["metadata"]!["name"] = "Sharptune_S",
            j => j["spec"]!["template"]!["spec"]!["restartPolicy"] = "Always",
            j => j["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["memory"] = "512MB",
            j => j["spec"]!["completion"] = 1,
        })
        {
            var bad = good.DeepClone().AsObject();
            breakIt(bad);
            Assert.False(Valid(bad), bad.ToJsonString());
        }
    }

    private static bool Valid(JsonObject o) => Schema.Evaluate(JsonDocument.Parse(o.ToJsonString()).RootElement).IsValid;
}
