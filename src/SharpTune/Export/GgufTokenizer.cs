using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;

namespace SharpTune.Export;

/// <summary>
/// tokenizer.ggml.* metadata for a byte-level BPE tokenizer.json (llama.cpp's "gpt2" tokenizer model):
/// tokens by id in their byte-level spelling, token types, merges, special ids and the chat template.
/// </summary>
public static class GgufTokenizer
{
    // llama.cpp's llama_token_type values.
    private const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;

    public static IEnumerable<GgufMetadata> Metadata(string dir, ModelConfig config)
    {
        var path = Path.Combine(dir, "tokenizer.json");
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: missing; GGUF export needs the model's tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var model = json["model"]?.AsObject() ?? throw new SharpTuneException($"{path}: no model object");
        if ((string?)model["type"] != "BPE") throw new SharpTuneException($"{path}: model.type must be BPE for GGUF export, got {model["type"]}");
        if (!IsByteLevel(json)) throw new SharpTuneException($"{path}: GGUF export needs a byte-level pre_tokenizer (ByteLevel)");

        var vocab = model["vocab"]!.AsObject();
        var byId = new Dictionary<int, (string Text, int Type)>();
        foreach (var (tok, id) in vocab) byId[(int)id!] = (tok, Normal);
        foreach (var a in json["added_tokens"]?.AsArray() ?? [])
            byId[(int)a!["id"]!] = ((string)a["content"]!, (bool?)a["special"] == true ? Control : UserDefined);
        int n = Math.Max(config.VocabSize, byId.Count == 0 ? 0 : byId.Keys.Max() + 1);
        var tokens = new string[n];
        var types = new int[n];
        for (int i = 0; i < n; i++)
        {
            // Rows of the embedding past the tokenizer's vocabulary still need a (never produced) token.
            (tokens[i], types[i]) = byId.TryGetValue(i, out var t) ? t : ($"[PAD{i}]", Unused);
        }
        var merges = (model["merges"]?.AsArray() ?? []).Select(m => m is JsonArray pair
            ? $"{(string)pair[0]!} {(string)pair[1]!}" : (string)m!).ToList();

        var cfgPath = Path.Combine(dir, "tokenizer_config.json");
        var cfg = File.Exists(cfgPath) ? JsonNode.Parse(File.ReadAllText(cfgPath))?.AsObject() : null;
        bool addBos = (bool?)cfg?["add_bos_token"] ?? false;
        bool addEos = (bool?)cfg?["add_eos_token"] ?? false;

        yield return GgufMetadata.Str("tokenizer.ggml.model", "gpt2");
        yield return GgufMetadata.Str("tokenizer.ggml.pre", PreTokenizerName(json));
        yield return GgufMetadata.Strings("tokenizer.ggml.tokens", tokens);
        yield return GgufMetadata.I32s("tokenizer.ggml.token_type", types);
        yield return GgufMetadata.Strings("tokenizer.ggml.merges", merges);
        if (config.BosTokenId is int bos) yield return GgufMetadata.U32("tokenizer.ggml.bos_token_id", (uint)bos);
        if (config.EosTokenIds.Length > 0) yield return GgufMetadata.U32("tokenizer.ggml.eos_token_id", (uint)config.EosTokenIds[0]);
        if (config.PadTokenId is int pad) yield return GgufMetadata.U32("tokenizer.ggml.padding_token_id", (uint)pad);
        yield return GgufMetadata.Bool("tokenizer.ggml.add_bos_token", addBos);
        yield return GgufMetadata.Bool("tokenizer.ggml.add_eos_token", addEos);
        if (cfg?["chat_template"] is JsonValue tpl) yield return GgufMetadata.Str("tokenizer.chat_template", (string)tpl!);
    }

    /// <summary>
    /// A placeholder vocabulary for a random-weight shape (the benchmarks feed token ids, never text): one
    /// normal token per embedding row, no merges. llama.cpp needs a vocabulary of the embedding's size to load.
    /// </summary>
    public static IEnumerable<GgufMetadata> Synthetic(ModelConfig config)
    {
        var tokens = Enumerable.Range(0, config.VocabSize).Select(i => $"<t{i}>").ToArray();
        yield return GgufMetadata.Str("tokenizer.ggml.model", "gpt2");
        yield return GgufMetadata.Str("tokenizer.ggml.pre", "gpt-2");
        yield return GgufMetadata.Strings("tokenizer.ggml.tokens", tokens);
        yield return GgufMetadata.I32s("tokenizer.ggml.token_type", Enumerable.Repeat(Normal, tokens.Length).ToArray());
        yield return GgufMetadata.Strings("tokenizer.ggml.merges", Array.Empty<string>());
        if (config.EosTokenIds.Length > 0) yield return GgufMetadata.U32("tokenizer.ggml.eos_token_id", (uint)config.EosTokenIds[0]);
    }

    private static bool IsByteLevel(JsonObject json)
    {
        var pre = json["pre_tokenizer"];
        if (pre is null) return false;
        if ((string?)pre["type"] == "ByteLevel") return true;
        return pre["pretokenizers"]?.AsArray().Any(p => (string?)p?["type"] == "ByteLevel") == true;
    }

    /// <summary>
    /// llama.cpp names its pre-tokenizer regexes. SharpTune's tokenizer trainer writes Qwen2's split regex
    /// (single digits); plain ByteLevel with its own regex is GPT-2's.
    /// </summary>
    private static string PreTokenizerName(JsonObject json)
    {
        var pre = json["pre_tokenizer"]!;
        var split = (string?)pre["pretokenizers"]?.AsArray().FirstOrDefault(p => (string?)p?["type"] == "Split")?["pattern"]?["Regex"];
        if (split is null) return "gpt-2"; // llama.cpp spells GPT-2's regex "gpt-2"
        if (split.Contains(@"\p{N}|") && split.Contains(@"[^\r\n\p{L}\p{N}]?\p{L}+")) return "qwen2";
        throw new SharpTuneException($"tokenizer.json: pre_tokenizer Split regex is not one llama.cpp knows (GPT-2 or Qwen2): {split}");
    }
}
