using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>The <c>hidden_act</c> / <c>activation_function</c> names of HF configs.</summary>
public static class Activations
{
    /// <summary>The names <see cref="Get"/> accepts.</summary>
    public static readonly string[] Names = ["silu", "swish", "gelu", "gelu_new", "gelu_pytorch_tanh", "gelu_fast", "relu"];

    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        "silu" or "swish" => x => nn.functional.silu(x),
        "gelu" => x => nn.functional.gelu(x),
        // GPT-2's gelu_new and gelu_pytorch_tanh are the same tanh approximation.
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => GeluTanh,
        "relu" => x => nn.functional.relu(x),
        _ => throw new IO.SharpTuneException($"config.json: activation '{name}' is not supported (expected silu, gelu, gelu_new, gelu_pytorch_tanh or relu)"),
    };

    private static Tensor GeluTanh(Tensor x) =>
        0.5 * x * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh());
}
