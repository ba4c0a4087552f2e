using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Models;

/// <summary>Configs for <c>sharptune init</c>: small shapes per family, written as real HF config.json files.</summary>
public static class ModelPresets
{
    public sealed record Shape(int Hidden, int Layers, int Heads, int KvHeads, int Intermediate, int Vocab, int MaxPositions);

    public static readonly IReadOnlyDictionary<string, Shape> Sizes = new Dictionary<string, Shape>
    {
        ["tiny"] = new(64, 2, 4, 2, 176, 512, 128),
        ["small"] = new(256, 4, 8, 4, 688, 8192, 512),
        ["medium"] = new(512, 8, 8, 4, 1376, 16384, 1024),
    };

    public static JsonObject Config(string arch, string size)
    {
        if (!Sizes.TryGetValue(size, out var s))
            throw new SharpTuneException($"--size {size}: expected one of {string.Join(", ", Sizes.Keys)}");
        return arch switch
        {
            "llama" or "qwen2" => new JsonObject
            {
                ["architectures"] = new JsonArray(arch == "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM"),
                ["model_type"] = arch,
                ["hidden_size"] = s.Hidden,
                ["intermediate_size"] = s.Intermediate,
                ["num_hidden_layers"] = s.Layers,
                ["num_attention_heads"] = s.Heads,
                ["num_key_value_heads"] = s.KvHeads,
                ["hidden_act"] = "silu",
                ["max_position_embeddings"] = s.MaxPositions,
                ["rms_norm_eps"] = 1e-6,
                ["rope_theta"] = arch == "llama" ? 10000.0 : 1000000.0,
                ["tie_word_embeddings"] = arch == "qwen2",
                ["vocab_size"] = s.Vocab,
                ["bos_token_id"] = 1,
                ["eos_token_id"] = 2,
                ["torch_dtype"] = "float32",
            },
            "gpt2" => new JsonObject
            {
                ["architectures"] = new JsonArray("GPT2LMHeadModel"),
                ["model_type"] = "gpt2",
                ["n_embd"] = s.Hidden,
                ["n_layer"] = s.Layers,
                ["n_head"] = s.Heads,
                ["n_inner"] = null,
                ["n_positions"] = s.MaxPositions,
                ["activation_function"] = "gelu_new",
                ["layer_norm_epsilon"] = 1e-5,
                ["attn_pdrop"] = 0.1,
                ["embd_pdrop"] = 0.1,
                ["resid_pdrop"] = 0.1,
                ["vocab_size"] = s.Vocab,
                ["bos_token_id"] = s.Vocab - 1,
                ["eos_token_id"] = s.Vocab - 1,
                ["tie_word_embeddings"] = true,
                ["torch_dtype"] = "float32",
            },
            _ => throw new SharpTuneException($"--arch {arch}: expected llama, qwen2 or gpt2"),
        };
    }
}
