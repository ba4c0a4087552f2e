using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>
/// A Hugging Face <c>tokenizer.json</c> pipeline: added tokens → normalizer → pre-tokenizer → BPE →
/// post-processor, and decoding through the decoder chain. Covers byte-level BPE (GPT-2, Qwen, Llama 3,
/// SmolLM) and SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama, Mistral).
/// <c>tokenizer_config.json</c>, when present, supplies special-token names and the chat template.
/// </summary>
public sealed class Tokenizer
{
    public const string FileName = "tokenizer.json";
    public const string ConfigFileName = "tokenizer_config.json";

    public BpeModel Model { get; }
    public AddedVocabulary Added { get; }
    private readonly Normalizer? _normalizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly PostProcessor? _postProcessor;
    private readonly Decoder? _decoder;
    private readonly string[] _idToToken;
    private readonly Dictionary<int, AddedToken> _addedById;

    public string? BosToken { get; }
    public string? EosToken { get; }
    public string? PadToken { get; }
    public string? ChatTemplate { get; }

    public int VocabSize => _idToToken.Length;

    private Tokenizer(BpeModel model, List<AddedToken> added, Normalizer? normalizer, PreTokenizer? preTokenizer,
        PostProcessor? postProcessor, Decoder? decoder, JsonObject? config, string source)
    {
        Model = model;
        Added = new AddedVocabulary(added);
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _postProcessor = postProcessor;
        _decoder = decoder;
        _addedById = added.ToDictionary(t => t.Id);
        int size = Math.Max(model.Vocab.Values.DefaultIfEmpty(-1).Max(), added.Select(a => a.Id).DefaultIfEmpty(-1).Max()) + 1;
        _idToToken = new string[size];
        foreach (var (tok, id) in model.Vocab) _idToToken[id] = tok;
        foreach (var a in added) _idToToken[a.Id] = a.Content;
        BosToken = TokenName(config?["bos_token"]);
        EosToken = TokenName(config?["eos_token"]);
        PadToken = TokenName(config?["pad_token"]);
        ChatTemplate = config?["chat_template"] switch
        {
            JsonValue v => v.GetValue<string>(),
            JsonArray a => a.FirstOrDefault(t => t?["name"]?.GetValue<string>() == "default")?["template"]?.GetValue<string>(),
            _ => null,
        };
    }

    // tokenizer_config.json writes special tokens as "…" or {"content": "…", …}.
    private static string? TokenName(JsonNode? n) => n switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonObject o => o["content"]?.GetValue<string>(),
        _ => null,
    };

    /// <summary>Loads <c>DIR/tokenizer.json</c> (and <c>DIR/tokenizer_config.json</c> if present), or a tokenizer.json path.</summary>
    public static Tokenizer Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file)) throw new SharpTuneException($"{file}: file not found (expected a Hugging Face tokenizer.json)");
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, ConfigFileName);
        JsonObject? config = null;
        if (File.Exists(configPath))
        {
            try { config = JsonNode.Parse(File.ReadAllText(configPath))?.AsObject(); }
            catch (JsonException e) { throw new SharpTuneException($"{configPath}: invalid JSON ({e.Message})"); }
        }
        try
        {
            var bytes = File.ReadAllBytes(file);
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var modelEl)) throw new SharpTuneException($"{file}: field 'model' is missing");
            var model = BpeModel.FromJson(modelEl, file);
            // The small pipeline objects are easier to read as nodes; the vocab is read above without them.
            var node = JsonNode.Parse(bytes)!.AsObject();
            node.Remove("model");
            var added = (node["added_tokens"] as JsonArray ?? []).Select(t => new AddedToken(
                t!["id"]!.GetValue<int>(), t["content"]!.GetValue<string>(), t["special"]?.GetValue<bool>() ?? false,
                t["lstrip"]?.GetValue<bool>() ?? false, t["rstrip"]?.GetValue<bool>() ?? false,
                t["single_word"]?.GetValue<bool>() ?? false, t["normalized"]?.GetValue<bool>() ?? false)).ToList();
            return new Tokenizer(model, added, Normalizer.FromJson(node["normalizer"], file), PreTokenizer.FromJson(node["pre_tokenizer"], file),
                PostProcessor.FromJson(node["post_processor"], file), Decoder.FromJson(node["decoder"], file), config, file);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or NullReferenceException or FormatException)
        {
            throw new SharpTuneException($"{file}: malformed tokenizer.json ({e.Message})");
        }
    }

    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>();
        bool atStart = true;
        foreach (var (segment, token) in Added.Split(text))
        {
            if (token is not null) { ids.Add(token.Id); atStart = false; continue; }
            var normalized = _normalizer?.Normalize(segment) ?? segment;
            var words = _preTokenizer?.PreTokenize(normalized, atStart) ?? (normalized.Length > 0 ? [normalized] : []);
            foreach (var w in words) Model.EncodeWord(w, ids);
            atStart = false;
        }
        return (addSpecialTokens && _postProcessor is not null ? _postProcessor.Apply(ids) : ids).ToArray();
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Count);
        foreach (var id in ids)
        {
            if (skipSpecialTokens && _addedById.TryGetValue(id, out var a) && a.Special) continue;
            tokens.Add(IdToToken(id) ?? throw new SharpTuneException($"token id {id} is outside the vocabulary (size {VocabSize})"));
        }
        if (tokens.Count == 0) return "";
        return string.Concat(_decoder?.DecodeChain(tokens) ?? tokens);
    }

    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    public int? TokenToId(string token) =>
        Added.Tokens.FirstOrDefault(t => t.Content == token)?.Id ?? (Model.Vocab.TryGetValue(token, out var id) ? id : null);

    public bool IsSpecial(int id) => _addedById.TryGetValue(id, out var a) && a.Special;

    public int? BosTokenId => BosToken is null ? null : TokenToId(BosToken);
    public int? EosTokenId => EosToken is null ? null : TokenToId(EosToken);
    public int? PadTokenId => PadToken is null ? null : TokenToId(PadToken);
}
