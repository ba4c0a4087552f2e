using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Export;

/// <summary>
/// A Llama or Qwen2 <see cref="CausalLM"/> plus its tokenizer folder as a GGUF file llama.cpp loads:
/// llama.cpp's tensor names, its rotary layout for Q/K, llama.* hyperparameters and a byte-level BPE
/// ("gpt2") tokenizer with merges, special tokens and the chat template.
/// </summary>
public static class GgufExporter
{
    public static void Export(CausalLM model, string tokenizerDir, string outPath, GgufTensorType type, string? name = null)
    {
        Check(model.Config, tokenizerDir);
        Export(model, GgufTokenizer.Metadata(tokenizerDir, model.Config), tokenizerDir, outPath, type,
            name ?? Path.GetFileName(Path.GetFullPath(tokenizerDir).TrimEnd('/', '\\')));
    }

    /// <summary>
    /// Writes the model with the given tokenizer metadata (<see cref="GgufTokenizer.Synthetic"/> for random-weight
    /// benchmark shapes that have no tokenizer). <paramref name="source"/> names the model in error messages.
    /// </summary>
    public static void Export(CausalLM model, IEnumerable<GgufMetadata> tokenizer, string source, string outPath, GgufTensorType type, string name)
    {
        var c = model.Config;
        var arch = Check(c, source);
        var metadata = new List<GgufMetadata>
        {
            GgufMetadata.Str("general.architecture", arch),
            GgufMetadata.Str("general.name", name),
            // llama_ftype: 0 = all F32, 1 = mostly F16, 7 = mostly Q8_0 (norms stay F32 either way).
            GgufMetadata.U32("general.file_type", type switch { GgufTensorType.F16 => 1u, GgufTensorType.Q8_0 => 7u, _ => 0u }),
            GgufMetadata.U32($"{arch}.context_length", (uint)c.MaxPositions),
            GgufMetadata.U32($"{arch}.embedding_length", (uint)c.HiddenSize),
            GgufMetadata.U32($"{arch}.block_count", (uint)c.NumLayers),
            GgufMetadata.U32($"{arch}.feed_forward_length", (uint)c.IntermediateSize),
            GgufMetadata.U32($"{arch}.attention.head_count", (uint)c.NumHeads),
            GgufMetadata.U32($"{arch}.attention.head_count_kv", (uint)c.NumKvHeads),
            GgufMetadata.U32($"{arch}.rope.dimension_count", (uint)c.HeadDim),
            GgufMetadata.F32($"{arch}.rope.freq_base", (float)c.RopeTheta),
            GgufMetadata.F32($"{arch}.attention.layer_norm_rms_epsilon", (float)c.NormEps),
            GgufMetadata.U32($"{arch}.vocab_size", (uint)c.VocabSize),
        };
        metadata.AddRange(tokenizer);
        GgufWriter.Write(outPath, metadata, Tensors(model, type));
    }

    /// <summary>
    /// Refuses what llama.cpp would run differently from SharpTune: a silent export would give another model.
    /// (Qwen2's use_sliding_window is already refused when config.json is read; mistral is not exported.)
    /// </summary>
    private static string Check(ModelConfig c, string source)
    {
        var arch = ArchName(c, source);
        if (c.RopeScaling is not null)
            throw new SharpTuneException($"{source}/config.json: rope_scaling is set; GGUF export does not write rope scaling yet");
        if (c.SlidingWindow is not null)
            throw new SharpTuneException($"{source}/config.json: sliding_window is set; GGUF export does not write sliding-window attention");
        return arch;
    }

    /// <summary>llama.cpp's architecture name for a model GGUF export supports (refuses one it would run differently).</summary>
    public static string ArchitectureOf(ModelConfig c, string source) => Check(c, source);

    /// <summary>llama.cpp's architecture name: Llama without biases, or Qwen2 (q/k/v biases).</summary>
    private static string ArchName(ModelConfig c, string dir)
    {
        if (c.Architecture == Architecture.Llama && c.ModelType == "llama")
        {
            if (c.AttentionBias || c.MlpBias) throw new SharpTuneException($"{dir}/config.json: GGUF export of llama expects attention_bias and mlp_bias false");
            return "llama";
        }
        if (c.Architecture == Architecture.Qwen2 && c.ModelType == "qwen2")
        {
            if (c.AttentionOutBias || c.MlpBias) throw new SharpTuneException($"{dir}/config.json: GGUF export of qwen2 expects biases on q/k/v only");
            return "qwen2";
        }
        throw new SharpTuneException($"{dir}/config.json: GGUF export supports model_type llama or qwen2, not {c.ModelType}");
    }

    /// <summary>The GGUF tensor list: HF parameter names mapped to llama.cpp's, Q/K rows permuted.</summary>
    public static List<GgufTensor> Tensors(CausalLM model, GgufTensorType type)
    {
        var c = model.Config;
        // Qwen2 uses llama.cpp's NEOX rope (rotate halves, as HF does), so only Llama's Q/K rows are reordered.
        bool permute = c.ModelType == "llama";
        var sd = model.StateDict();
        var list = new List<GgufTensor>();
        void Add(string hf, string gguf, Func<Tensor, Tensor>? transform = null)
        {
            if (!sd.TryGetValue(hf, out var p)) throw new SharpTuneException($"model: parameter {hf} is missing for GGUF tensor {gguf}");
            var shape = p.shape;
            // 1-D tensors (norm weights, biases) stay F32: llama.cpp's converter and its kernels expect that. Q8_0
            // blocks run along rows; a row that is not a multiple of 32 falls back to F16, as llama.cpp's converter does.
            var t = shape.Length == 1 ? GgufTensorType.F32
                : type == GgufTensorType.Q8_0 && shape[^1] % Q8Block.Size != 0 ? GgufTensorType.F16 : type;
            list.Add(new GgufTensor(gguf, shape, t, () =>
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var x = p.detach().to(CPU).to_type(ScalarType.Float32);
                if (transform is not null) x = transform(x);
                return x.contiguous().data<float>().ToArray();
            }));
        }
        Add("model.embed_tokens.weight", "token_embd.weight");
        for (int i = 0; i < c.NumLayers; i++)
        {
            var hf = $"model.layers.{i}.";
            var g = $"blk.{i}.";
            Add(hf + "input_layernorm.weight", g + "attn_norm.weight");
            Add(hf + "self_attn.q_proj.weight", g + "attn_q.weight", permute ? w => RopePermute(w, c.NumHeads) : null);
            Add(hf + "self_attn.k_proj.weight", g + "attn_k.weight", permute ? w => RopePermute(w, c.NumKvHeads) : null);
            Add(hf + "self_attn.v_proj.weight", g + "attn_v.weight");
            if (c.AttentionBias)
                foreach (var (proj, name) in new[] { ("q_proj", "attn_q"), ("k_proj", "attn_k"), ("v_proj", "attn_v") })
                    Add(hf + $"self_attn.{proj}.bias", g + $"{name}.bias");
            Add(hf + "self_attn.o_proj.weight", g + "attn_output.weight");
            Add(hf + "post_attention_layernorm.weight", g + "ffn_norm.weight");
            Add(hf + "mlp.gate_proj.weight", g + "ffn_gate.weight");
            Add(hf + "mlp.up_proj.weight", g + "ffn_up.weight");
            Add(hf + "mlp.down_proj.weight", g + "ffn_down.weight");
        }
        Add("model.norm.weight", "output_norm.weight");
        // Tied models carry no output.weight; llama.cpp then reads token_embd.weight for the head.
        if (!c.TieWordEmbeddings) Add("lm_head.weight", "output.weight");
        return list;
    }

    /// <summary>
    /// HF Llama's rotary embedding rotates the two halves of each head (rotate_half); llama.cpp's LLAMA rope
    /// rotates adjacent pairs. Reordering each head's rows from [first half | second half] to interleaved
    /// pairs (row j of the first half next to row j of the second) makes both compute the same attention.
    /// </summary>
    public static Tensor RopePermute(Tensor w, int heads)
    {
        var rows = w.shape[0];
        var rest = w.shape.Skip(1).ToArray();
        long[] split = [heads, 2, rows / heads / 2, .. rest];
        return w.reshape(split).transpose(1, 2).reshape(w.shape);
    }
}
