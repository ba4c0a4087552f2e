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
                throw new SharpTuneException($"{source}: merge '{a} {b}' (rank {rank}) uses tokens missing from the vocabulary");
            _merges.TryAdd(Key(ia, ib), (rank, merged));
        }
        if (unkToken is not null)
            _unkId = vocab.TryGetValue(unkToken, out var u) ? u : throw new SharpTuneException($"{source}: unk_token '{unkToken}' is not in the vocabulary");
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

    public static BpeModel FromJson(JsonElement model, string source)
    {
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE") throw new SharpTuneException($"{source}: model type '{type}' is not supported (only BPE)");
        foreach (var unsupported in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (model.TryGetProperty(unsupported, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0)
                throw new SharpTuneException($"{source}: BPE option '{unsupported}' is not supported");
        var vocab = new Dictionary<string, int>();
        foreach (var p in model.GetProperty("vocab").EnumerateObject()) vocab[p.Name] = p.Value.GetInt32();
        var merges = new List<(string, string)>();
        foreach (var m in model.GetProperty("merges").EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Array) merges.Add((m[0].GetString()!, m[1].GetString()!));
            else
            {
                var s = m.GetString()!;
                int space = s.IndexOf(' ', 1);
                if (space < 0) throw new SharpTuneException($"{source}: merge '{s}' is not two tokens separated by a space");
                merges.Add((s[..space], s[(space + 1)..]));
            }
        }
        string? unk = model.TryGetProperty("unk_token", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        bool Flag(string name) => model.TryGetProperty(name, out var f) && f.ValueKind == JsonValueKind.True;
        return new BpeModel(vocab, merges, unk, Flag("byte_fallback"), Flag("fuse_unk"), Flag("ignore_merges"), source);
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
            if (_unkId is null) throw new SharpTuneException($"character '{ch}' is not in the vocabulary and the tokenizer has no unk_token");
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
