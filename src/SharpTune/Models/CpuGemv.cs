using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// y = x·Wᵀ + b for a single row x on the CPU in fp32: the whole of a batch-1 decode step's weight traffic.
/// Hand-written because libtorch 2.10's fp32 matrix-vector product (linear, addmm and mv alike) reads the weights
/// at 10–11 GB/s on this 2-core machine while it can read 34 GB/s, so decoding ran at 28 % of its bandwidth limit
/// and at 0.31x llama.cpp. Measured on one decode step's 121 products of the SmolLM2-135M shape (538 MB):
/// torch linear 48–52 ms, this kernel on two threads 28–30 ms. It streams each row once with four independent FMA
/// chains (AVX2) and splits the rows over <see cref="GemvWorkers"/> (the calling thread plus spinning helpers, since
/// waking a sleeping thread on this VM costs as much as a small product).
/// It runs only inside <see cref="Decoding"/>, which gives the helpers the cores: torch's own intra-op threads are
/// set to one for the scope (its OpenMP workers spin after each parallel region — attention, argmax — and two
/// spinning pools on two cores stall each other: decoding fell to 5.6 tokens/s before this), and only under
/// no_grad, for contiguous fp32 CPU tensors and one row. SHARPTUNE_GEMV=0 turns it off (A/B runs); so does a CPU
/// without AVX2/FMA.
/// </summary>
public static class CpuGemv
{
    /// <summary>Whether the kernel is used at all (AVX2 + FMA present and SHARPTUNE_GEMV is not 0).</summary>
    public static bool Enabled { get; set; } = Avx2.IsSupported && Fma.IsSupported && Environment.GetEnvironmentVariable("SHARPTUNE_GEMV") != "0";

    [ThreadStatic] private static GemvWorkers? _scope;

    /// <summary>
    /// A batch-1 decode loop runs inside this: the kernel applies, split over as many threads as torch had, and torch
    /// runs single-threaded until the scope ends (then its thread count is restored). Nested or disabled: a no-op.
    /// Process-wide like torch's thread count, so one decoding thread at a time (the engines' loop is one thread).
    /// </summary>
    public static IDisposable Decoding()
    {
        if (!Enabled || _scope is not null) return NoScope.Instance;
        int threads = get_num_threads();
        _scope = GemvWorkers.ForThreads(threads);
        set_num_threads(1);
        return new DecodeScope(threads);
    }

    private sealed class DecodeScope(int threads) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _scope = null;
            set_num_threads(threads);
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    private static long _calls;

    /// <summary>Products the kernel has computed in this process (for profiles and tests).</summary>
    public static long Calls => Interlocked.Read(ref _calls);

    // Below this many multiply-adds the product is cheap either way and torch's call is as good.
    private const long MinWork = 1 << 15;

    /// <summary>x·Wᵀ + b ([out, in] weight): the kernel where it applies, torch's linear everywhere else.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias) => TryLinear(x, weight, bias) ?? nn.functional.linear(x, weight, bias);

    /// <summary>x·Wᵀ + b when the kernel applies (see the type), else null: the caller runs torch's linear.</summary>
    /// <param name="x">[..., in] holding one row.</param>
    /// <param name="weight">[out, in], contiguous.</param>
    /// <param name="bias">[out] or null.</param>
    /// <param name="workers">The threads to split the rows over (default: those of the current <see cref="Decoding"/>
    /// scope; outside one, null is returned).</param>
    public static Tensor? TryLinear(Tensor x, Tensor weight, Tensor? bias, GemvWorkers? workers = null)
    {
        var pool = workers ?? _scope;
        if (!Enabled || pool is null || is_grad_enabled()) return null;
        if (x.device_type != DeviceType.CPU || x.dtype != ScalarType.Float32 || weight.dtype != ScalarType.Float32 || weight.device_type != DeviceType.CPU) return null;
        if (weight.dim() != 2 || !weight.is_contiguous()) return null;
        long outF = weight.shape[0], inF = weight.shape[1];
        if (x.shape[^1] != inF || x.numel() != inF || outF * inF < MinWork) return null;
        if (bias is not null && (bias.dtype != ScalarType.Float32 || bias.device_type != DeviceType.CPU || bias.numel() != outF || !bias.is_contiguous())) return null;
        if (!x.is_contiguous()) return null;
        var shape = x.shape.ToArray();
        shape[^1] = outF;
        var y = empty(shape, ScalarType.Float32, x.device);
        unsafe
        {
            fixed (byte* wb = weight.bytes, xb = x.bytes, yb = y.bytes)
            {
                var job = new Job((float*)wb, (float*)xb, (float*)yb, (int)outF, (int)inF);
                pool.Run(job.Part);
            }
        }
        Interlocked.Increment(ref _calls);
        if (bias is not null) y.add_(bias.view(shape.Select((_, i) => i == shape.Length - 1 ? outF : 1L).ToArray()));
        return y;
    }

    private readonly unsafe struct Job(float* w, float* x, float* y, int rows, int n)
    {
        private readonly float* _w = w, _x = x, _y = y;

        /// <summary>Rows [part·rows/parts, (part+1)·rows/parts).</summary>
        public void Part(int part, int parts) => Rows(_w, _x, _y, (int)((long)rows * part / parts), (int)((long)rows * (part + 1) / parts), n);
    }

    /// <summary>y[o] = W[o,:]·x for o in [from, to), W row-major with n columns.</summary>
    public static unsafe void Rows(float* w, float* x, float* y, int from, int to, int n)
    {
        for (int o = from; o < to; o++)
        {
            var row = w + (long)o * n;
            Vector256<float> a0 = Vector256<float>.Zero, a1 = a0, a2 = a0, a3 = a0;
            int i = 0;
            for (; i + 32 <= n; i += 32)
            {
                a0 = Fma.MultiplyAdd(Avx.LoadVector256(row + i), Avx.LoadVector256(x + i), a0);
                a1 = Fma.MultiplyAdd(Avx.LoadVector256(row + i + 8), Avx.LoadVector256(x + i + 8), a1);
                a2 = Fma.MultiplyAdd(Avx.LoadVector256(row + i + 16), Avx.LoadVector256(x + i + 16), a2);
                a3 = Fma.MultiplyAdd(Avx.LoadVector256(row + i + 24), Avx.LoadVector256(x + i + 24), a3);
            }
            for (; i + 8 <= n; i += 8) a0 = Fma.MultiplyAdd(Avx.LoadVector256(row + i), Avx.LoadVector256(x + i), a0);
            float s = Vector256.Sum((a0 + a1) + (a2 + a3));
            for (; i < n; i++) s += row[i] * x[i];
            y[o] = s;
        }
    }
}
