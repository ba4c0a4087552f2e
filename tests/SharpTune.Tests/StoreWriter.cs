using System.Diagnostics;
using SharpTune.Study;

namespace SharpTune.Tests;

/// <summary>
/// Writes runs to an experiment store the way a sweep trial does — record as running, two batches of steps,
/// record as finished with metrics — and every value is derived from the run's index, so a reader can check that
/// each stored run is whole (<see cref="Check"/>). Runs in test processes and in child processes.
/// </summary>
public static class StoreWriter
{
    public const int StepsPerBatch = 25;
    public const int CellCount = 40;

    /// <summary>store-writer STORE PREFIX COUNT|forever GO_FILE|-: opens the store, prints "ready", waits for GO_FILE to
    /// exist (so several processes really write at once), writes, and prints "first_ms last_ms" of its writes.</summary>
    public static int Run(string[] args)
    {
        var (path, prefix, go) = (args[0], args[1], args[3]);
        int count = args[2] == "forever" ? int.MaxValue : int.Parse(args[2]);
        using var store = SqliteExperimentStore.Open(path);
        Console.WriteLine("ready");
        Console.Out.Flush();
        var patience = Stopwatch.StartNew();
        while (go != "-" && !File.Exists(go))
        {
            if (patience.Elapsed > TimeSpan.FromMinutes(2)) return 3;
            Thread.Sleep(2);
        }
        long first = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // "forever" is for the kill test; the time limit only keeps an orphaned writer from filling the disk.
        var limit = Stopwatch.StartNew();
        for (int i = 0; i < count && limit.Elapsed < TimeSpan.FromMinutes(5); i++) Write(store, prefix, i);
        Console.WriteLine($"{first} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
        return 0;
    }

    public static string Id(string prefix, int i) => $"{prefix}-{i:D5}";

    public static void Write(IExperimentStore store, string prefix, int i)
    {
        var id = Id(prefix, i);
        // Many settings make the row span pages, so a kill can land in the middle of writing it.
        var settings = new Dictionary<string, string> { ["index"] = i.ToString(), ["writer"] = prefix };
        for (int k = 0; k < 60; k++) settings[$"option_{k:D2}"] = $"{prefix}/{i}/{k}/" + new string('x', 40);
        var running = new TrialRecord { Id = id, Sweep = prefix, Settings = settings, Status = TrialStatus.Running, StartedAt = DateTimeOffset.UnixEpoch.AddSeconds(i) };
        store.Upsert(running);
        store.AddSteps(id, Enumerable.Range(1, StepsPerBatch).Select(s => Step(i, s)));
        store.AddSteps(id, Enumerable.Range(StepsPerBatch + 1, StepsPerBatch).Select(s => Step(i, s)));
        store.Upsert(running with
        {
            Status = TrialStatus.Finished,
            FinishedAt = DateTimeOffset.UnixEpoch.AddSeconds(i + 1),
            BestStep = 2 * StepsPerBatch,
            Metrics = new TrialMetrics
            {
                Examples = i,
                RougeL = i / 1000.0,
                InjectionCells = Enumerable.Range(0, CellCount).ToDictionary(c => $"kind{c}/middle", c => i + c / 100.0),
            },
        });
    }

    private static StepMetrics Step(int i, int s) => new(s, i + s / 1000.0, s % 5 == 0 ? i - s / 1000.0 : null, 1e-3 * s);

    /// <summary>Asserts that every run of this writer in the store is whole: a running run has 0, 1 or 2 complete
    /// batches of steps and no metrics; a finished one has both batches and all its metrics. Returns the number of runs.</summary>
    public static int Check(IExperimentStore store, string prefix)
    {
        var runs = store.List(prefix);
        foreach (var r in runs)
        {
            int i = int.Parse(r.Settings["index"]);
            Assert.Equal(Id(prefix, i), r.Id);
            Assert.Equal(62, r.Settings.Count);
            Assert.Equal($"{prefix}/{i}/59/" + new string('x', 40), r.Settings["option_59"]);
            var steps = store.Steps(r.Id);
            Assert.Contains(steps.Count, new[] { 0, StepsPerBatch, 2 * StepsPerBatch });
            for (int s = 0; s < steps.Count; s++) Assert.Equal(Step(i, s + 1), steps[s]);
            if (r.Status == TrialStatus.Finished)
            {
                Assert.Equal(2 * StepsPerBatch, steps.Count);
                Assert.Equal(i, r.Metrics!.Examples);
                Assert.Equal(CellCount, r.Metrics.InjectionCells!.Count);
                Assert.Equal(i + (CellCount - 1) / 100.0, r.Metrics.InjectionCells[$"kind{CellCount - 1}/middle"]);
                Assert.NotNull(r.FinishedAt);
            }
            else
            {
                Assert.Equal(TrialStatus.Running, r.Status);
                Assert.Null(r.Metrics);
            }
        }
        // Runs are written in index order, so the stored ones are a prefix 0…n−1 (only the last may be unfinished).
        Assert.Equal(Enumerable.Range(0, runs.Count).Select(i => Id(prefix, i)), runs.Select(r => r.Id));
        Assert.All(runs.SkipLast(1), r => Assert.Equal(TrialStatus.Finished, r.Status));
        return runs.Count;
    }

    /// <summary>Starts `dotnet SharpTune.Tests.dll store-writer …` as a separate process.</summary>
    public static Process Start(string store, string prefix, string count, string goFile = "-")
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { typeof(StoreWriter).Assembly.Location, "store-writer", store, prefix, count, goFile })
            psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start the store-writer process");
    }
}
