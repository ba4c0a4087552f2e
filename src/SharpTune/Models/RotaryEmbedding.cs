using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// RoPE in Hugging Face's "rotate_half" convention: the head dimension is split into two halves, and
/// inv_freq_i = theta^(−2i/d). Frequencies are kept in float32 as HF does, then cast to the model dtype.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _invFreq;
    private readonly double _positionScale;

    public RotaryEmbedding(ModelConfig config, Device device)
    {
        int dim = config.HeadDim;
        using var exponent = arange(0, dim, 2, dtype: ScalarType.Int64).to_type(ScalarType.Float32) / dim;
        var invFreq = pow(config.RopeTheta, exponent).reciprocal();
        _positionScale = 1.0;
        if (config.RopeScaling is { Type: "linear" } lin) _positionScale = 1.0 / lin.Factor;
        if (config.RopeScaling is { Type: "llama3" } s) invFreq = Llama3Scale(invFreq, s);
        _invFreq = invFreq.to(device).DetachFromDisposeScope();
    }

    // Llama 3.1: long wavelengths are slowed by Factor, short ones kept, the band between interpolated.
    private static Tensor Llama3Scale(Tensor invFreq, RopeScaling s)
    {
        double lowWavelen = s.OriginalMaxPositions / s.LowFreqFactor;
        double highWavelen = s.OriginalMaxPositions / s.HighFreqFactor;
        var wavelen = 2 * Math.PI / invFreq;
        var scaled = where(wavelen > lowWavelen, invFreq / s.Factor, invFreq);
        var smooth = (s.OriginalMaxPositions / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        var smoothed = (1 - smooth) * scaled / s.Factor + smooth * scaled;
        var isMedium = (wavelen >= highWavelen).logical_and(wavelen <= lowWavelen);
        return where(isMedium, smoothed, scaled);
    }

    /// <summary>
    /// cos and a sign-folded sin for positions [B, T], each [B, 1, T, headDim] in <paramref name="dtype"/>:
    /// the sin's first half is negated so that rotate_half(x)·sin = roll(x, d/2)·sinSigned (one op, not four).
    /// </summary>
    public (Tensor Cos, Tensor Sin) Compute(Tensor positionIds, ScalarType dtype)
    {
        var pos = positionIds.to_type(ScalarType.Float32);
        if (_positionScale != 1.0) pos = pos * _positionScale;
        var freqs = pos.unsqueeze(-1) * _invFreq;
        var sin = freqs.sin();
        var emb = cat([freqs, freqs], -1).unsqueeze(1);
        return (emb.cos().to_type(dtype), cat([-sin, sin], -1).unsqueeze(1).to_type(dtype));
    }

    /// <summary>x·cos + rotate_half(x)·sin, where rotate_half([x1, x2]) = [−x2, x1] (HF's convention).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin) => x * cos + x.roll(x.shape[^1] / 2, -1) * signedSin;

    public void Dispose() => _invFreq.Dispose();
}
