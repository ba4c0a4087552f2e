using System.Diagnostics;

namespace SharpTune.Models;

/// <summary>
/// The calling thread plus N − 1 helper threads that run one split job at a time for <see cref="CpuGemv"/>.
/// Helpers spin for a short while after each job before they sleep: a decode step hands out ~120 products tens of
/// microseconds apart, and on this VM waking a sleeping thread (what Parallel.For and the thread pool do) cost about
/// as much as a small product itself (measured: 34 ms per step with Parallel.For, 28 ms with spinning helpers).
/// Idle longer than <see cref="SpinMilliseconds"/>, they block and cost nothing. One job at a time (a lock), so
/// concurrent callers are safe but not parallel; every row's sum is made by one thread in one order, so the
/// result does not depend on the number of threads.
/// </summary>
public sealed class GemvWorkers
{
    public const double SpinMilliseconds = 2;

    private static readonly Dictionary<int, GemvWorkers> ByParts = [];

    /// <summary>The pool for torch's intra-op thread count <paramref name="threads"/>: one part per thread, at most one per core.</summary>
    public static GemvWorkers ForThreads(int threads) => For(Math.Clamp(threads, 1, Environment.ProcessorCount));

    /// <summary>The process's pool of <paramref name="parts"/> parts (made on first use; its helpers live with the process).</summary>
    public static GemvWorkers For(int parts)
    {
        lock (ByParts)
        {
            if (!ByParts.TryGetValue(parts, out var w)) ByParts[parts] = w = new GemvWorkers(parts);
            return w;
        }
    }

    private readonly object _gate = new();
    private readonly object _sleep = new();
    private Action<int, int>? _work;
    private volatile int _generation;
    private int _pending;

    public int Parts { get; }

    public GemvWorkers(int parts)
    {
        Parts = Math.Max(1, parts);
        for (int i = 1; i < Parts; i++)
        {
            int part = i;
            new Thread(() => Loop(part)) { IsBackground = true, Name = $"sharptune-gemv-{part}" }.Start();
        }
    }

    /// <summary>Runs work(part, Parts) for every part, part 0 on the calling thread, and returns when all are done.</summary>
    public void Run(Action<int, int> work)
    {
        if (Parts == 1) { work(0, 1); return; }
        lock (_gate)
        {
            _work = work;
            Volatile.Write(ref _pending, Parts - 1);
            // Published under the sleepers' lock, so a helper deciding to sleep either sees it or is woken by the pulse.
            lock (_sleep) { _generation++; Monitor.PulseAll(_sleep); }
            work(0, Parts);
            while (Volatile.Read(ref _pending) != 0) Thread.SpinWait(8);
            _work = null;
        }
    }

    private void Loop(int part)
    {
        long spinTicks = (long)(SpinMilliseconds * Stopwatch.Frequency / 1000);
        int seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            while (_generation == seen)
            {
                if (Stopwatch.GetTimestamp() - start < spinTicks) { Thread.SpinWait(16); continue; }
                lock (_sleep) { if (_generation == seen) Monitor.Wait(_sleep); }
                start = Stopwatch.GetTimestamp();
            }
            seen = _generation;
            _work!(part, Parts);
            Interlocked.Decrement(ref _pending);
        }
    }
}
