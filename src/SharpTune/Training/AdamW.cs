using SharpTune.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// AdamW with torch.optim.AdamW's exact arithmetic (decoupled decay first, then bias-corrected moments).
/// Written here rather than using TorchSharp's so that the state is named by parameter, saved as safetensors
/// inside atomic checkpoints, and counted in bytes; only trainable parameters ever get state.
/// Parameters with fewer than two dimensions (norm gains, biases) get no weight decay.
/// </summary>
public sealed class AdamW : IDisposable
{
    public sealed record Options(double LearningRate = 1e-4, double Beta1 = 0.9, double Beta2 = 0.999, double Eps = 1e-8, double WeightDecay = 0.01);

    private readonly List<(string Name, Parameter P, bool Decay)> _params;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _state = new();
    public Options Settings { get; }
    public double LearningRate { get; set; }
    public long Step { get; private set; }

    public AdamW(IEnumerable<(string Name, Parameter P)> parameters, Options options, bool decayAll = false)
    {
        _params = parameters.Select(p => (p.Name, p.P, decayAll || p.P.dim() >= 2)).ToList();
        Settings = options;
        LearningRate = options.LearningRate;
        foreach (var (name, p, _) in _params)
            _state[name] = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
    }

    /// <summary>Bytes held by optimizer state (two moments per trainable element).</summary>
    public long StateBytes => _state.Values.Sum(s => s.M.NumberOfElements * s.M.ElementSize + s.V.NumberOfElements * s.V.ElementSize);

    public void ZeroGrad()
    {
        foreach (var (_, p, _) in _params) p.grad?.zero_();
    }

    public void StepOnce()
    {
        Step++;
        var o = Settings;
        double bc1 = 1 - Math.Pow(o.Beta1, Step), bc2 = 1 - Math.Pow(o.Beta2, Step);
        using var _ = no_grad();
        foreach (var (name, p, decay) in _params)
        {
            var g = p.grad;
            if (g is null) continue;
            using var scope = NewDisposeScope();
            var (m, v) = _state[name];
            if (decay && o.WeightDecay != 0) p.mul_(1 - LearningRate * o.WeightDecay);
            m.mul_(o.Beta1).add_(g, alpha: 1 - o.Beta1);
            v.mul_(o.Beta2).addcmul_(g, g, value: 1 - o.Beta2);
            var denom = (v.sqrt() / Math.Sqrt(bc2)).add_(o.Eps);
            p.addcdiv_(m, denom, value: -LearningRate / bc1);
        }
    }

    /// <summary>Global L2 norm of the gradients, scaled down to <paramref name="maxNorm"/> when above it (torch's clip_grad_norm_).</summary>
    public double ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        var grads = _params.Select(p => p.P.grad).Where(g => g is not null).ToList();
        if (grads.Count == 0) return 0;
        var total = stack(grads.Select(g => g!.norm()).ToArray()).norm();
        double norm = total.item<float>();
        if (maxNorm > 0 && norm > maxNorm)
        {
            double coef = maxNorm / (norm + 1e-6);
            using var _ = no_grad();
            foreach (var g in grads) g!.mul_(coef);
        }
        return norm;
    }

    public void Save(string path) => SafeTensorsFile.Save(path,
        _state.SelectMany(kv => new[] { KeyValuePair.Create(kv.Key + ".exp_avg", kv.Value.M), KeyValuePair.Create(kv.Key + ".exp_avg_sq", kv.Value.V) })
            .Append(KeyValuePair.Create("step", tensor(Step))));

    public void Load(string path)
    {
        var f = SafeTensorsFile.Open(path);
        using var _ = no_grad();
        foreach (var (name, (m, v)) in _state)
        {
            using var lm = f.Load(name + ".exp_avg");
            using var lv = f.Load(name + ".exp_avg_sq");
            if (!lm.shape.SequenceEqual(m.shape)) throw new SharpTuneException($"{path}: optimizer state for '{name}' has shape [{string.Join(",", lm.shape)}], expected [{string.Join(",", m.shape)}]");
            m.copy_(lm);
            v.copy_(lv);
        }
        Step = f.Load("step").item<long>();
    }

    public void Dispose()
    {
        foreach (var (m, v) in _state.Values) { m.Dispose(); v.Dispose(); }
    }
}
