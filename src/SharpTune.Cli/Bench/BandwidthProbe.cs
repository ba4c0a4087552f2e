using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace SharpTune.Cli.Bench;

/// <summary>
/// A STREAM-like read probe: <paramref name="threads"/> threads each sum their own contiguous slice of a float
/// array far larger than the caches, with several independent vector accumulators so the adds never limit the
/// loads. The best of the repeats is reported, as STREAM does: decoding reads its weights the same way (each
/// thread streams over its rows), so this is the bandwidth a memory-bound decode step can reach.
/// </summary>
public static class BandwidthProbe
{
    private static float Sink;

    public static double ReadGBps(int threads, long bytes = 512L << 20, int repeats = 5)
    {
        long n = bytes / sizeof(float);
        var data = GC.AllocateUninitializedArray<float>((int)n);
        // Touch every page (and give it values) so the timed passes read memory, not fresh zero pages.
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var (start, count) = Slice(n, threads, t);
            data.AsSpan((int)start, (int)count).Fill(1f);
        });
        double best = 0;
        float sink = 0;
        for (int r = 0; r < repeats; r++)
        {
            var sums = new float[threads];
            var sw = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var (start, count) = Slice(n, threads, t);
                sums[t] = Sum(data.AsSpan((int)start, (int)count));
            });
            double s = sw.Elapsed.TotalSeconds;
            sink += sums.Sum();
            best = Math.Max(best, n * sizeof(float) / s / 1e9);
        }
        Sink = sink; // kept so the reads cannot be optimised away
        return best;
    }

    private static (long Start, long Count) Slice(long n, int parts, int i)
    {
        long per = n / parts;
        return (i * per, i == parts - 1 ? n - i * per : per);
    }

    private static float Sum(ReadOnlySpan<float> span)
    {
        var v = MemoryMarshal.Cast<float, Vector<float>>(span);
        Vector<float> a = default, b = default, c = default, d = default;
        int i = 0;
        for (; i + 4 <= v.Length; i += 4) { a += v[i]; b += v[i + 1]; c += v[i + 2]; d += v[i + 3]; }
        for (; i < v.Length; i++) a += v[i];
        float sum = Vector.Sum(a + b + c + d);
        for (int j = v.Length * Vector<float>.Count; j < span.Length; j++) sum += span[j];
        return sum;
    }
}
