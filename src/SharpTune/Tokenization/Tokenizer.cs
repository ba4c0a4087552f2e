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
        PostProcessor? postProcessor, Decoder? decoder, JsonObject? config, string? configSource)
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
        if (config is not null)
        {
            var c = new JsonFields(config, configSource!);
            BosToken = TokenName(c, "bos_token");
            EosToken = TokenName(c, "eos_token");
            PadToken = TokenName(c, "pad_token");
            ChatTemplate = ReadChatTemplate(c);
        }
    }

    // tokenizer_config.json writes special tokens as "…" or {"content": "…", …}.
    private static string? TokenName(JsonFields c, string key) => c.Object[key] switch
    {
        JsonObject o => c.Sub(o, key).Str("content") ?? throw c.Sub(o, key).Missing("content", "the token text"),
        _ => c.Str(key),
    };

    // A template string, or a list of named templates of which "default" is used.
    private static string? ReadChatTemplate(JsonFields c)
    {
        if (c.Object["chat_template"] is not JsonArray list) return c.Str("chat_template");
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject entry) throw new SharpTuneException($"{c.File}: field 'chat_template[{i}]' must be an object with name and template, got {JsonInput.Show(list[i])}");
            var e = c.Sub(entry, $"chat_template[{i}]");
            if (e.Str("name") == "default") return e.Str("template") ?? throw e.Missing("template", "a template string");
        }
        return null;
    }

    /// <summary>Loads <c>DIR/tokenizer.json</c> (and <c>DIR/tokenizer_config.json</c> if present), or a tokenizer.json path.</summary>
    public static Tokenizer Load(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        var bytes = JsonInput.ReadFile(file, "expected a Hugging Face tokenizer.json");
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, ConfigFileName);
        JsonObject? config = File.Exists(configPath) ? JsonInput.LoadObject(configPath) : null;
        using var doc = JsonInput.ParseDocument(bytes, file, allowDuplicates: true);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{file}: expected a JSON object at the top level, got {JsonInput.Kind(root)}");
        if (!root.TryGetProperty("model", out var modelEl)) throw new SharpTuneException($"{file}: field 'model' is missing");
        var model = BpeModel.FromJson(modelEl, file);
        // The small pipeline objects are easier to read as nodes: each is parsed (strictly) from its own text,
        // so the large vocabulary is parsed only once.
        var node = new JsonObject();
        foreach (var p in root.EnumerateObject())
        {
            if (p.Name == "model") continue;
            if (node.ContainsKey(p.Name)) throw new SharpTuneException($"{file}: field '{JsonInput.Clip(p.Name)}' appears twice");
            try { node[p.Name] = JsonNode.Parse(p.Value.GetRawText(), null, JsonInput.Options); }
            catch (JsonException e) { throw new SharpTuneException($"{file}: field '{JsonInput.Clip(p.Name)}' is not valid JSON ({JsonInput.OneLine(e.Message)})"); }
        }
        var top = new JsonFields(node, file);
        var added = ReadAddedTokens(top);
        try
        {
            return new Tokenizer(model, added, Normalizer.FromJson(top, "normalizer"), PreTokenizer.FromJson(top, "pre_tokenizer"),
                PostProcessor.FromJson(top, "post_processor"), Decoder.FromJson(top, "decoder"), config, configPath);
        }
        catch (ArgumentException e)
        {
            // A regex that does not compile (RegexParseException) is the one .NET error a field can still raise.
            throw new SharpTuneException($"{file}: malformed tokenizer.json ({JsonInput.OneLine(e.Message)})", e);
        }
    }

    private static List<AddedToken> ReadAddedTokens(JsonFields top)
    {
        var list = top.Arr("added_tokens");
        var result = new List<AddedToken>();
        if (list is null) return result;
        var seen = new HashSet<int>();
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject o) throw new SharpTuneException($"{top.File}: field 'added_tokens[{i}]' must be an object, got {JsonInput.Show(list[i])}");
            var t = top.Sub(o, $"added_tokens[{i}]");
            int id = t.Int("id", 0, BpeModel.MaxTokenId) ?? throw t.Missing("id", $"an integer in [0, {BpeModel.MaxTokenId}]");
            if (!seen.Add(id)) throw t.Error("id", "an id no other added token has");
            result.Add(new AddedToken(id, t.ReqStr("content"), t.Bool("special") ?? false, t.Bool("lstrip") ?? false,
                t.Bool("rstrip") ?? false, t.Bool("single_word") ?? false, t.Bool("normalized") ?? false));
        }
        return result;
    }

    /// <param name="splitSpecialTokens">True encodes special tokens written in the text as ordinary text (HF's
    /// split_special_tokens=True): for text from users or pages, which must not forge control tokens.</param>
    public int[] Encode(string text, bool addSpecialTokens = true, bool splitSpecialTokens = false)
        => Encode([new TextPart(text, Trusted: !splitSpecialTokens)], addSpecialTokens);

    /// <summary>
    /// Encodes text assembled from parts of which only <see cref="TextPart.Trusted"/> ones may contain special
    /// tokens (a chat template's own markers); the rest (message contents) have them encoded as ordinary text.
    /// Plain text runs on across part boundaries, so the ids equal those of the joined string wherever no
    /// untrusted part contains special-token text.
    /// </summary>
    public int[] Encode(IEnumerable<TextPart> parts, bool addSpecialTokens = true)
    {
        // Split every part around its added tokens, then merge neighbouring plain stretches: the normalizer and
        // pre-tokenizer see the same stretches as for the joined string (SentencePiece's "▁" goes once per stretch).
        var segments = new List<(string Text, AddedToken? Token)>();
        foreach (var part in parts)
            foreach (var seg in Added.Split(part.Text, matchSpecial: part.Trusted))
            {
                if (seg.Token is null && segments.Count > 0 && segments[^1].Token is null)
                    segments[^1] = (segments[^1].Text + seg.Text, null);
                else segments.Add(seg);
            }
        var ids = new List<int>();
        bool atStart = true;
        foreach (var (segment, token) in segments)
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
