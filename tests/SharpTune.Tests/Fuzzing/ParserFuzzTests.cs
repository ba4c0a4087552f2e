using System.Diagnostics;
using SharpTune.IO;
using Xunit.Abstractions;

namespace SharpTune.Tests.Fuzzing;

/// <summary>
/// Bounded mutation fuzzing of every library file parser: each case must end in success or in a one-line
/// SharpTuneException — never another exception, never a hang. Cases are numbered and seeded, so a failure
/// message (parser, seed file, case index, mutation) replays exactly with <see cref="RunCase"/>.
/// Set SHARPTUNE_FUZZ_CASES / SHARPTUNE_FUZZ_SECONDS / SHARPTUNE_FUZZ_SEED for longer runs.
/// </summary>
public class ParserFuzzTests(ITestOutputHelper output)
{
    private static readonly int Seed = EnvInt("SHARPTUNE_FUZZ_SEED", 20261125);
    private static readonly int MaxCases = EnvInt("SHARPTUNE_FUZZ_CASES", 1500);
    private static readonly double Seconds = EnvInt("SHARPTUNE_FUZZ_SECONDS", 7);
    /// <summary>Cases every target runs whatever the time budget (fewer only when SHARPTUNE_FUZZ_CASES asks for fewer).</summary>
    private static readonly int MinCases = Math.Min(100, MaxCases);
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Targets() => [.. ParserTargets.All().Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void MutatedInputGivesSuccessOrOneLineError(string target)
    {
        var t = ParserTargets.All().Single(x => x.Name == target);
        var clock = Stopwatch.StartNew();
        int cases = 0, accepted = 0, rejected = 0;
        var failures = new List<string>();
        var classes = new HashSet<string>();
        // The time budget is for speed; the floor of 100 cases is for coverage and does not depend on the machine's
        // load (a loaded CI box once ran only 85 cases in the budget), so the loop goes on until it has both.
        while (cases < MaxCases && (clock.Elapsed.TotalSeconds < Seconds || cases < MinCases))
        {
            var (outcome, description) = RunCase(t, cases);
            cases++;
            switch (outcome)
            {
                case null: accepted++; break;
                case SharpTuneException e when e.Message.Length > 0 && !e.Message.Contains('\n') && !e.Message.Contains('\r'): rejected++; break;
                default:
                    // One report per failure class (exception type + throwing method), so a list of them is readable.
                    var where = outcome.StackTrace?.Split('\n').FirstOrDefault()?.Trim() ?? "";
                    if (classes.Add(outcome.GetType().Name + where) && failures.Count < 12)
                        failures.Add($"{description}: {outcome.GetType().Name}: {outcome.Message.Split('\n')[0]} {where}");
                    break;
            }
        }
        output.WriteLine($"{target}: {cases} cases in {clock.Elapsed.TotalSeconds:F1} s — {accepted} accepted, {rejected} one-line errors, {classes.Count} failure classes");
        Assert.True(failures.Count == 0, $"{target}: {classes.Count} failure class(es) in {cases} cases:\n" + string.Join("\n", failures));
        Assert.True(cases >= MinCases, $"{target}: only {cases} cases ran");
    }

    /// <summary>Runs case <paramref name="index"/> of a target; returns its exception (null on success) and a replayable description.</summary>
    public static (Exception? Outcome, string Description) RunCase(FuzzTarget t, int index)
    {
        var rng = new Random(unchecked(Seed * 7919 + StableHash(t.Name) * 1_000_003 + index));
        var (seedName, seedBytes) = t.Seeds[rng.Next(t.Seeds.Count)];
        var mutator = new Mutator();
        var bytes = t.Mutate(mutator, seedBytes, rng);
        var description = $"[{t.Name} seed={Seed} case={index} file={seedName} mutation: {mutator.Description}]";
        var dir = Shared.TempDir();
        try
        {
            var task = Task.Run(() => t.Run(dir, bytes, seedName));
            if (!task.Wait(CaseTimeout.Add(TimeSpan.Zero)) && !task.IsCompleted)
                return (new TimeoutException($"case did not finish within {CaseTimeout.TotalSeconds} s (hang)"), description);
            return (null, description);
        }
        catch (AggregateException e) { return (e.InnerException ?? e, description); }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static int StableHash(string s)
    {
        int h = 17;
        foreach (var c in s) h = unchecked(h * 31 + c);
        return h;
    }

    private static int EnvInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;
}
