using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace SharpTune.Tests.Cluster;

/// <summary>
/// `sweep --executor k8s --dry-run` prints a Kubernetes Indexed Job: validated against a strict JSON schema of the
/// batch/v1 Job fields it uses (References/k8s-indexed-job.schema.json, written from the Kubernetes API reference —
/// there is no cluster here to apply it to), and checked for what makes it run the sweep; and, independently, with the
/// npm package kubernetes-models, whose validators are generated from Kubernetes' own OpenAPI schema.
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
    public void TheManifestPassesKubernetesOwnOpenApiValidation()
    {
        // kubernetes-models (npm) validates with schemas generated from the Kubernetes API's OpenAPI document, not ours.
        var node = ServiceProcess.Find("node");
        var npm = ServiceProcess.Find("npm");
        ServiceProcess.SkipOrFail(node is null || npm is null, "node/npm not installed (apt-get install nodejs npm; .ci/run does it)");
        var cache = Path.Combine(Path.GetTempPath(), "sharptune-kubernetes-models-4");
        if (!File.Exists(Path.Combine(cache, "node_modules", "kubernetes-models", "package.json")))
        {
            Directory.CreateDirectory(cache);
            var (installed, log) = ServiceProcess.Run(npm!, ["install", "--silent", "--no-audit", "--no-fund", "--prefix", cache, "kubernetes-models@4"], timeoutMs: 300_000);
            ServiceProcess.SkipOrFail(installed != 0, $"npm install kubernetes-models@4 failed: {log.Trim().ReplaceLineEndings(" ")}");
        }
        var script = Path.Combine(Shared.RepoRoot, "tests", "SharpTune.Tests", "References", "k8s-validate.js");
        var env = new Dictionary<string, string> { ["NODE_PATH"] = Path.Combine(cache, "node_modules") };
        string Validate(JsonNode job)
        {
            var file = Path.Combine(Shared.TempDir(), "job.json");
            File.WriteAllText(file, job.ToJsonString());
            return ServiceProcess.Run(node!, [script, file], env).Output.Trim();
        }

        var plan = new SharpTune.Study.Sweeps.SweepPlan("ranks", [new(new Dictionary<string, string> { ["rank"] = "4" }), new(new Dictionary<string, string> { ["rank"] = "8" })],
            new Dictionary<string, string>(), new(2, "4G", "00:30:00"));
        var good = SharpTune.Study.Cluster.K8sManifest.Build("/sweeps/ranks", plan, "postgresql://u@h:1/d", "img", 2, ["dotnet", "/app/SharpTune.Cli.dll"]);
        Assert.Equal("valid", Validate(good));
        // The validator can fail: a count as text and a container without its required name are refused.
        var wrongType = JsonNode.Parse(good.ToJsonString())!;
        wrongType["spec"]!["completions"] = "two";
        Assert.StartsWith("invalid", Validate(wrongType));
        var noName = JsonNode.Parse(good.ToJsonString())!;
        noName["spec"]!["template"]!["spec"]!["containers"]![0]!.AsObject().Remove("name");
        Assert.StartsWith("invalid", Validate(noName));
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
