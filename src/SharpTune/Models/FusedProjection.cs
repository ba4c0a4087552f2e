using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Projections of the same input (q/k/v, gate/up) whose weights are row blocks of one matrix: each
/// <see cref="LinearLayer"/> keeps its own HF-named parameter, but that parameter is a view into the shared
/// matrix, so loading, training, merging (all in place) keep both the same memory. Inference then runs one
/// matmul instead of several — at batch 1 each projection is a matrix-vector product whose fixed cost (a call,
/// an output, a thread hand-off) is a large share of its time. Training and adapters take the layers' own path
/// (autograd sees the separate parameters; an adapter's update belongs to one projection).
/// </summary>
public sealed class FusedProjection : IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor? _bias;
    private readonly long[] _sizes;
    private readonly IntPtr[] _weightHandles;
    private readonly IntPtr[] _biasHandles;

    public IReadOnlyList<LinearLayer> Parts { get; }

    public FusedProjection(string[] names, int inFeatures, int[] outFeatures, bool hasBias, Device device, ScalarType dtype)
    {
        long total = outFeatures.Sum();
        _weight = empty([total, inFeatures], dtype, device).DetachFromDisposeScope();
        _bias = hasBias ? zeros([total], dtype, device).DetachFromDisposeScope() : null;
        _sizes = outFeatures.Select(o => (long)o).ToArray();
        var parts = new LinearLayer[names.Length];
        long offset = 0;
        for (int i = 0; i < names.Length; i++)
        {
            parts[i] = new LinearLayer(names[i], inFeatures, outFeatures[i], hasBias, false, device, dtype,
                _weight.narrow(0, offset, outFeatures[i]), _bias?.narrow(0, offset, outFeatures[i]));
            offset += outFeatures[i];
        }
        Parts = parts;
        _weightHandles = parts.Select(p => p.weight.Handle).ToArray();
        _biasHandles = parts.Select(p => p.bias?.Handle ?? IntPtr.Zero).ToArray();
    }

    /// <summary>
    /// True when one matmul gives what the separate layers would: no autograd wanted, no adapter acting on any
    /// part, and every part still holds the parameter made over the shared matrix (a moved or replaced parameter
    /// — <c>to(dtype)</c>, a swapped tensor — has another handle, and the layers' own path is taken).
    /// </summary>
    public bool Usable
    {
        get
        {
            if (is_grad_enabled()) return false;
            for (int i = 0; i < _weightHandles.Length; i++)
            {
                var p = Parts[i];
                if (p.Adapter is not null || p.Routing is not null) return false;
                if (p.weight.Handle != _weightHandles[i] || (p.bias?.Handle ?? IntPtr.Zero) != _biasHandles[i]) return false;
            }
            return true;
        }
    }

    /// <summary>The parts' outputs, computed by one matmul and split along the last dimension (views).</summary>
    public Tensor[] Forward(Tensor x) => Joined(x).split(_sizes, -1);

    /// <summary>The parts' outputs side by side in one tensor [.., Σ out], in the order of <see cref="Parts"/>.</summary>
    public Tensor Joined(Tensor x) => CpuGemv.Linear(x, _weight, _bias);

    public void Dispose()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}
