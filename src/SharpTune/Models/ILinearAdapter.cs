using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// An additive path on a <see cref="LinearLayer"/> (LoRA, DoRA), kept by the layer under a name
/// (<see cref="LinearLayer.Adapters"/>) as PEFT keeps its per-adapter lora_A/lora_B dicts.
/// </summary>
public interface ILinearAdapter
{
    /// <summary>Adds this adapter's contribution for every row of <paramref name="x"/> to the base output <paramref name="y"/>, in place where it can; returns the output.</summary>
    Tensor AddTo(Tensor x, Tensor y);

    /// <summary>The contribution alone (the base output's shape for <paramref name="x"/>): what a mixed batch adds to this adapter's rows.</summary>
    Tensor Update(Tensor x);
}
