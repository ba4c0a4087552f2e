using System.Reflection;
using SharpTune.Study.Sweeps;
using Spectre.Console.Cli;

namespace SharpTune.Tests;

/// <summary>The study's sweep files (configs/study) expand to the grids, and every setting is a real trial option.</summary>
public class StudySweepFilesTests
{
    [Theory]
    [InlineData("ranks.yaml", 8 * 2 * 3)]        // ranks 4…512 × classic/rsLoRA × 3 seeds
    [InlineData("data-sizes.yaml", 2 * 3 * 6)]   // r 8/32 × 3 seeds × 1k…50k
    [InlineData("noise.yaml", 3 * 3 * 4)]        // 0/10/20% × 3 seeds × r8/r32/r128/full
    public void StudyFilesExpandToTheirGridsOfValidTrialOptions(string file, int trials)
    {
        var plan = SweepFile.Load(Path.Combine(Shared.RepoRoot, "configs", "study", file));
        Assert.Equal(trials, plan.Trials.Count);
        var options = typeof(SharpTune.Cli.Commands.TrialCommand.Settings).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>()).Where(a => a is not null).SelectMany(a => a!.LongNames).Select(n => "--" + n).ToHashSet();
        foreach (var t in plan.Trials)
            foreach (var arg in TrialArguments.For(t).Where(a => a.StartsWith("--")))
                Assert.Contains(arg, options);
        foreach (var key in plan.Eval.Keys) Assert.Contains("--eval-" + key.Replace('_', '-'), options);
    }
}
