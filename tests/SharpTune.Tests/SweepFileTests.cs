using SharpTune.IO;
using SharpTune.Study.Sweeps;

namespace SharpTune.Tests;

public class SweepFileTests
{
    private static string Write(string name, string text)
    {
        var path = Path.Combine(Shared.TempDir(), name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void GridValuesAreCrossedAndCoupledBlocksGoTogether()
    {
        var plan = SweepFile.Load(Write("s.yaml", """
            name: ranks
            base: { model: m, data: d.jsonl, max-steps: 100 }
            grid:
              rank: [4, 8]
              seed: [1, 2, 3]
            coupled:
              - { method: lora, lr: 2e-3 }
              - { method: lora, lr: 5e-4, rslora: true }
            eval: { limit: 50 }
            """));
        Assert.Equal("ranks", plan.Name);
        Assert.Equal(2 * 3 * 2, plan.Trials.Count);
        // First grid key outermost, then the next, then the coupled blocks.
        Assert.Equal(["4", "4", "4", "4", "4", "4", "8", "8", "8", "8", "8", "8"], plan.Trials.Select(t => t.Settings["rank"]));
        Assert.Equal(["1", "1", "2", "2", "3", "3"], plan.Trials.Take(6).Select(t => t.Settings["seed"]));
        Assert.Equal(["2e-3", "5e-4"], plan.Trials.Take(2).Select(t => t.Settings["lr"]));
        Assert.All(plan.Trials, t => Assert.Equal("100", t.Settings["max_steps"])); // "max-steps" normalised
        Assert.Equal("50", plan.Eval["limit"]);
        Assert.Equal(12, plan.Trials.Select(t => t.Id(plan.Name)).Distinct().Count());
    }

    [Fact]
    public void JsonIsAcceptedAndIdsAreStableAcrossLoadsAndDependOnTheSweep()
    {
        var path = Write("s.json", """{"base": {"method": "lora"}, "grid": {"rank": [8, 32]}}""");
        var a = SweepFile.Load(path);
        var b = SweepFile.Load(path);
        Assert.Equal("s", a.Name); // defaults to the file name
        Assert.Equal(a.Trials.Select(t => t.Id(a.Name)), b.Trials.Select(t => t.Id(b.Name)));
        Assert.NotEqual(a.Trials[0].Id("s"), a.Trials[0].Id("other"));
        // Key order does not change the id.
        var x = new TrialSpec(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" });
        var y = new TrialSpec(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" });
        Assert.Equal(x.Id("s"), y.Id("s"));
    }

    [Theory]
    [InlineData("grdi: {rank: [1]}", "unknown key 'grdi'")]
    [InlineData("grid: [1, 2]", "grid must map option names to lists of values")]
    [InlineData("grid: {rank: []}", "grid.rank is an empty list")]
    [InlineData("- just a list", "expected one YAML/JSON mapping")]
    [InlineData("base: {model: [unclosed", "line")]
    [InlineData("grid: {rank: [4, 8]}\ncoupled: [{rank: 8}]", "two trials have the same settings")]
    public void MistakesAreOneLineErrorsNamingTheFile(string text, string expected)
    {
        var path = Write("bad.yaml", text);
        var e = Assert.Throws<SharpTuneException>(() => SweepFile.Load(path));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
