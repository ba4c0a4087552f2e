using System.Text;
using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>
/// The BPE model of tokenizer.json: a vocabulary and ranked merges. A word starts as one symbol per code
/// point (unknown ones become &lt;0xNN&gt; byte tokens under byte_fallback, or the unk token) and the
/// lowest-ranked adjacent pair is merged until none applies — with a heap, so long words stay O(n log n).
/// </summary>
public sealed class BpeModel
{
    public IReadOnlyDictionary<string, int> Vocab => _vocab;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<long, (int Rank, int NewId)> _merges;
    private readonly int[]? _byteTokens;
    private readonly int? _unkId;
    private readonly bool _fuseUnk, _ignoreMerges;
    private readonly Dictionary<string, int[]> _cache = new();
    private readonly Lock _cacheLock = new();
    public List<(string A, string B)> MergeList { get; }

    public BpeModel(Dictionary<string, int> vocab, List<(string, string)> merges, string? unkToken, bool byteFallback, bool fuseUnk, bool ignoreMerges, string source = "tokenizer.json")
    {
        _vocab = vocab;
        MergeList = merges;
        _merges = new Dictionary<long, (int, int)>(merges.Count);
        for (int rank = 0; rank < merges.Count; rank++)
        {
            var (a, b) = merges[rank];
            if (!vocab.TryGetValue(a, out var ia) || !vocab.TryGetValue(b, out var ib) || !vocab.TryGetValue(a + b, out var merged))
                throw new SharpTuneException($"{source}: merge '{JsonInput.Clip(a)} {JsonInput.Clip(b)}' (rank {rank}) uses tokens missing from the vocabulary");
            _merges.TryAdd(Key(ia, ib), (rank, merged));
        }
        if (unkToken is not null)
            _unkId = vocab.TryGetValue(unkToken, out var u) ? u : throw new SharpTuneException($"{source}: unk_token '{JsonInput.Clip(unkToken)}' is not in the vocabulary");
        if (byteFallback)
        {
            _byteTokens = new int[256];
            for (int b = 0; b < 256; b++)
                _byteTokens[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : throw new SharpTuneException($"{source}: byte_fallback needs token <0x{b:X2}> in the vocabulary");
        }
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Token ids above this are refused: the id → token table is sized by the largest id.</summary>
    public const int MaxTokenId = (1 << 22) - 1;

    public static BpeModel FromJson(JsonElement model, string source)
    {
        if (model.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{source}: field 'model' must be an object, got {JsonInput.Kind(model)}");
        string? OptString(string name) => !model.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
            : v.ValueKind == JsonValueKind.String ? v.GetString() : throw new SharpTuneException($"{source}: field 'model.{name}' must be a string, got {JsonInput.Show(v)}");
        bool Flag(string name) => !model.TryGetProperty(name, out var f) || f.ValueKind == JsonValueKind.Null ? false
            : f.ValueKind is JsonValueKind.True or JsonValueKind.False ? f.GetBoolean() : throw new SharpTuneException($"{source}: field 'model.{name}' must be true or false, got {JsonInput.Show(f)}");
        var type = OptString("type") ?? "BPE";
        if (type != "BPE") throw new SharpTuneException($"{source}: model type '{JsonInput.Clip(type)}' is not supported (only BPE)");
        foreach (var unsupported in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (OptString(unsupported) is { Length: > 0 })
                throw new SharpTuneException($"{source}: BPE option '{unsupported}' is not supported");
        if (!model.TryGetProperty("vocab", out var vocabEl) || vocabEl.ValueKind != JsonValueKind.Object)
            throw new SharpTuneException($"{source}: field 'model.vocab' is missing or not an object of token → id");
        var vocab = new Dictionary<string, int>();
        foreach (var p in vocabEl.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0 || id > MaxTokenId)
                throw new SharpTuneException($"{source}: model.vocab entry '{JsonInput.Clip(p.Name)}' has id {JsonInput.Show(p.Value)}; expected an integer in [0, {MaxTokenId}]");
            vocab[p.Name] = id;
        }
        var merges = new List<(string, string)>();
        if (!model.TryGetProperty("merges", out var mergesEl) || mergesEl.ValueKind != JsonValueKind.Array)
            throw new SharpTuneException($"{source}: field 'model.merges' is missing or not a list");
        int index = 0;
        foreach (var m in mergesEl.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Array && m.GetArrayLength() == 2 && m[0].ValueKind == JsonValueKind.String && m[1].ValueKind == JsonValueKind.String)
                merges.Add((m[0].GetString()!, m[1].GetString()!));
            else if (m.ValueKind == JsonValueKind.String && m.GetString() is { Length: >= 2 } s && s.IndexOf(' ', 1) is int space and > 0)
                merges.Add((s[..space], s[(space + 1)..]));
            else
                throw new SharpTuneException($"{source}: model.merges[{index}] is {JsonInput.Show(m)}; expected \"a b\" or [\"a\", \"b\"]");
            index++;
        }
        return new BpeModel(vocab, merges, OptString("unk_token"), Flag("byte_fallback"), Flag("fuse_unk"), Flag("ignore_merges"), source);
    }

    public void EncodeWord(string word, List<int> output)
    {
        lock (_cacheLock)
            if (_cache.TryGetValue(word, out var cached)) { output.AddRange(cached); return; }
        var ids = Merge(word);
        if (word.Length < 64)
            lock (_cacheLock)
            {
                if (_cache.Count > 200_000) _cache.Clear();
                _cache[word] = ids;
            }
        output.AddRange(ids);
    }

    private int[] Merge(string word)
    {
        if (_ignoreMerges && _vocab.TryGetValue(word, out var whole)) return [whole];
        var symbols = new List<int>(word.Length);
        bool lastWasUnk = false;
        for (int i = 0; i < word.Length;)
        {
            int len = char.IsHighSurrogate(word[i]) && i + 1 < word.Length ? 2 : 1;
            var ch = word.Substring(i, len);
            i += len;
            if (_vocab.TryGetValue(ch, out var id)) { symbols.Add(id); lastWasUnk = false; continue; }
            if (_byteTokens is not null)
            {
                foreach (var b in Encoding.UTF8.GetBytes(ch)) symbols.Add(_byteTokens[b]);
                lastWasUnk = false;
                continue;
            }
            if (_unkId is null) throw new SharpTuneException($"character U+{char.ConvertToUtf32(ch, 0):X4} is not in the vocabulary and the tokenizer has no unk_token");
            if (!(_fuseUnk && lastWasUnk)) symbols.Add(_unkId.Value);
            lastWasUnk = true;
        }
        int n = symbols.Count;
        if (n < 2) return symbols.ToArray();
        var ids = symbols.ToArray();
        var prev = new int[n];
        var next = new int[n];
        for (int i = 0; i < n; i++) { prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }
        var heap = new PriorityQueue<(int Pos, int Left, int Right), (int Rank, int Pos)>();
        void Push(int pos)
        {
            int nx = next[pos];
            if (nx < 0) return;
            if (_merges.TryGetValue(Key(ids[pos], ids[nx]), out var m)) heap.Enqueue((pos, ids[pos], ids[nx]), (m.Rank, pos));
        }
        for (int i = 0; i < n - 1; i++) Push(i);
        while (heap.TryDequeue(out var item, out _))
        {
            int pos = item.Pos, nx = next[pos];
            // Stale entry: one side was merged away since it was queued.
            if (ids[pos] != item.Left || nx < 0 || ids[nx] != item.Right) continue;
            ids[pos] = _merges[Key(item.Left, item.Right)].NewId;
            ids[nx] = -1;
            next[pos] = next[nx];
            if (next[nx] >= 0) prev[next[nx]] = pos;
            if (prev[pos] >= 0) Push(prev[pos]);
            Push(pos);
        }
        var result = new List<int>(n);
        for (int i = 0; i >= 0; i = next[i]) result.Add(ids[i]);
        return result.ToArray();
    }
}
