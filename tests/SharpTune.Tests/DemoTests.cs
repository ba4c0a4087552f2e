using System.Text.Json;
using SharpTune.IO;
using SharpTune.Recipes;
using SharpTune.Training;

namespace SharpTune.Tests;

public class DemoTests
{
    private sealed class Quiet : DemoRecipe.IProgress
    {
        public List<string> Stages { get; } = new();
        public void Stage(string text) => Stages.Add(text);
        public void Evaluating(string label, int done, int total) { }
        public void Setup(FineTuneRecipe.Setup setup) { }
        public void Training(TrainProgress p) { }
    }

    [Fact]
    public void DemoScoresBeforeAndAfterAndWritesAdapterAndReport()
    {
        var train = TinyFixture.DataFile(40, skip: 100);
        var dev = TinyFixture.DataFile(6);
        var outDir = Shared.TempDir();
        var ui = new Quiet();
        var o = new DemoOptions
        {
            ModelDir = TinyFixture.ModelDir, TrainPath = train, DevPath = dev, TrainExamples = 16, EvalExamples = 4, BatchSize = 4, OutDir = outDir, MaxLength = 256,
        };
        var outcome = DemoRecipe.Run(o, ui);
        Assert.NotNull(outcome.After);
        Assert.Equal(4, outcome.Before.Items.Count);
        Assert.Equal(4, outcome.Training.Result.Steps);
        Assert.True(File.Exists(Path.Combine(outDir, "adapter", "adapter_model.safetensors")));
        Assert.True(File.Exists(Path.Combine(outDir, "adapter", "adapter_config.json")));
        var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "report.json"))).RootElement;
        Assert.Equal(outcome.Before.Rouge.Rouge1, report.GetProperty("before").GetProperty("Rouge1").GetDouble(), 1e-12);
        Assert.Contains("| fine-tuned |", File.ReadAllText(outcome.ReportPath));
        // The reported ROUGE is the ROUGE of the reported outputs, recomputed from report.json by a separately
        // written scorer (not the library function that produced the figures).
        var examples = report.GetProperty("examples").EnumerateArray().ToList();
        Assert.Equal(4, examples.Count);
        foreach (var (field, side) in new[] { ("base_output", "before"), ("tuned_output", "after") })
        {
            var pairs = examples.Select(e => (e.GetProperty(field).GetString()!, e.GetProperty("reference").GetString()!)).ToList();
            var (r1, r2, rl) = RougeReference.Corpus(pairs);
            var reported = report.GetProperty(side);
            Assert.Equal(r1, reported.GetProperty("Rouge1").GetDouble(), 1e-12);
            Assert.Equal(r2, reported.GetProperty("Rouge2").GetDouble(), 1e-12);
            Assert.Equal(rl, reported.GetProperty("RougeL").GetDouble(), 1e-12);
        }
    }

    [Fact]
    public void MissingOrMalformedDataIsOneClearError()
    {
        var o = new DemoOptions { ModelDir = TinyFixture.ModelDir, TrainPath = "/no/such/train.jsonl", DevPath = TinyFixture.DataFile(4), OutDir = Shared.TempDir() };
        Assert.Equal("/no/such/train.jsonl: file not found", Assert.Throws<SharpTuneException>(() => DemoRecipe.Run(o, new Quiet())).Message);
        var bad = Path.Combine(Shared.TempDir(), "train.jsonl");
        File.WriteAllText(bad, """{"id": "a", "source": "text"}""" + "\n");
        var e = Assert.Throws<SharpTuneException>(() => DemoRecipe.Run(o with { TrainPath = bad }, new Quiet()));
        Assert.Equal($"{bad}:1: field 'summary' is missing or not a string", e.Message);
    }
}
