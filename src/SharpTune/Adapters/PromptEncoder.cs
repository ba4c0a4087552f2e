using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// P-tuning's prompt encoder (PEFT's PromptEncoder): virtual-token embeddings reparameterised by an MLP,
/// or by a bidirectional 2-layer LSTM followed by an MLP. Parameter names follow PEFT's.
/// </summary>
public sealed class PromptEncoder : nn.Module
{
    public Parameter embedding_weight;
    public Sequential mlp_head;
    public LSTM? lstm_head;
    private readonly int _tokens;

    public PromptEncoder(int tokens, int tokenDim, int hidden, string type, double dropout, Device device, ScalarType dtype, Generator rng) : base("prompt_encoder")
    {
        _tokens = tokens;
        using (var e = randn([tokens, tokenDim], generator: rng)) embedding_weight = new Parameter(e.to(dtype, device));
        if (type == "LSTM")
        {
            lstm_head = nn.LSTM(tokenDim, hidden, numLayers: 2, batchFirst: true, dropout: dropout, bidirectional: true, device: device, dtype: dtype);
            mlp_head = nn.Sequential(Linear(2 * hidden, 2 * hidden, device, dtype, rng), nn.ReLU(), Linear(2 * hidden, tokenDim, device, dtype, rng));
        }
        else
        {
            mlp_head = nn.Sequential(Linear(tokenDim, hidden, device, dtype, rng), nn.ReLU(), Linear(hidden, hidden, device, dtype, rng), nn.ReLU(), Linear(hidden, tokenDim, device, dtype, rng));
        }
        RegisterComponents();
    }

    private static Linear Linear(int i, int o, Device device, ScalarType dtype, Generator rng)
    {
        var l = nn.Linear(i, o, device: device, dtype: dtype);
        double bound = 1.0 / Math.Sqrt(i);
        using var _ = no_grad();
        l.weight!.copy_(empty([o, i]).uniform_(-bound, bound, rng));
        l.bias!.copy_(empty([o]).uniform_(-bound, bound, rng));
        return l;
    }

    /// <summary>The virtual-token embeddings [tokens, tokenDim].</summary>
    public Tensor Compute()
    {
        var x = embedding_weight;
        if (lstm_head is not null)
        {
            var (output, _, _) = lstm_head.forward(x.unsqueeze(0));
            return mlp_head.forward(output).squeeze(0);
        }
        return mlp_head.forward(x);
    }

    /// <summary>PEFT's in-memory names: prompt_encoder.default.embedding.weight, …mlp_head.N.weight.</summary>
    public IEnumerable<(string Name, Parameter P)> PeftNamedParameters() =>
        named_parameters().Select(p => ("prompt_encoder.default." + (p.name == "embedding_weight" ? "embedding.weight" : p.name), p.parameter));
}
