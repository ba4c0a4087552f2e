using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>Settings for training a byte-level BPE tokenizer.</summary>
public sealed record BpeTrainerOptions
{
    public int VocabSize { get; init; } = 8192;
    public int MinFrequency { get; init; } = 2;
    /// <summary>Special tokens, given the first ids in this order. The first is the end-of-text token.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"];
}

/// <summary>
/// Trains a byte-level BPE (the GPT-2/Qwen family) and writes a standard tokenizer.json that this loader and
/// Hugging Face read. Words come from the same split regex the tokenizer uses at encode time; merges are
/// chosen by pair frequency with ties broken by the pair's text, so training is deterministic. Pair counts are
/// updated incrementally (only words containing the merged pair are touched).
/// </summary>
public static class BpeTrainer
{
    // Qwen2's split: contractions, letter runs with one leading non-letter, single digits, punctuation runs, newlines, spaces.
    public const string SplitPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public const string ChatMlTemplate =
        "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
        "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

    public static void Train(IEnumerable<string> texts, BpeTrainerOptions options, string outDir)
    {
        if (options.VocabSize < 256 + options.SpecialTokens.Count)
            throw new SharpTuneException($"--vocab-size {options.VocabSize}: must be at least {256 + options.SpecialTokens.Count} (256 bytes + special tokens)");
        var pre = PreTokenizer.FromJson(new JsonFields(new JsonObject { ["pre_tokenizer"] = PreTokenizerJson() }, "trainer"), "pre_tokenizer")!;
        var norm = Normalizer.FromJson(new JsonFields(new JsonObject { ["normalizer"] = new JsonObject { ["type"] = "NFC" } }, "trainer"), "normalizer")!;
        var added = new AddedVocabulary(options.SpecialTokens.Select((t, i) => new AddedToken(i, t, true)));

        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var text in texts)
            foreach (var (segment, token) in added.Split(text))
                if (token is null)
                    foreach (var w in pre.PreTokenize(norm.Normalize(segment), atStart: true))
                        wordCounts[w] = wordCounts.GetValueOrDefault(w) + 1;

        var vocab = new List<string>(options.SpecialTokens);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < vocab.Count; i++) ids[vocab[i]] = i;
        foreach (var c in ByteLevelAlphabet.ByteToChar.OrderBy(c => c))
        {
            ids[c.ToString()] = vocab.Count;
            vocab.Add(c.ToString());
        }

        // Words in a fixed order so every run makes the same merges.
        var words = wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (Symbols: kv.Key.Select(ch => ids[ch.ToString()]).ToList(), Count: kv.Value)).ToArray();
        var pairCounts = new Dictionary<long, long>();
        var pairWords = new Dictionary<long, HashSet<int>>();
        static long Key(int a, int b) => ((long)a << 32) | (uint)b;
        void Count(int w, int sign)
        {
            var s = words[w].Symbols;
            for (int i = 0; i + 1 < s.Count; i++)
            {
                long k = Key(s[i], s[i + 1]);
                pairCounts[k] = pairCounts.GetValueOrDefault(k) + sign * words[w].Count;
                if (sign > 0) (pairWords.TryGetValue(k, out var set) ? set : pairWords[k] = new HashSet<int>()).Add(w);
            }
        }
        for (int w = 0; w < words.Length; w++) Count(w, +1);

        // Max-heap on (count, then the pair's text ascending); stale entries are skipped when popped.
        var heap = new PriorityQueue<long, (long Count, string A, string B)>(Comparer<(long Count, string A, string B)>.Create((x, y) =>
        {
            int c = y.Count.CompareTo(x.Count);
            if (c != 0) return c;
            c = string.CompareOrdinal(x.A, y.A);
            return c != 0 ? c : string.CompareOrdinal(x.B, y.B);
        }));
        void Push(long k) { if (pairCounts.TryGetValue(k, out var n) && n > 0) heap.Enqueue(k, (n, vocab[(int)(k >> 32)], vocab[(int)(uint)k])); }
        foreach (var k in pairCounts.Keys) Push(k);

        var merges = new List<(string, string)>();
        while (vocab.Count < options.VocabSize && heap.TryDequeue(out var pair, out var prio))
        {
            if (pairCounts.GetValueOrDefault(pair) != prio.Count) continue; // stale
            if (prio.Count < options.MinFrequency) break;
            int a = (int)(pair >> 32), b = (int)(uint)pair;
            string merged = vocab[a] + vocab[b];
            if (!ids.TryGetValue(merged, out int newId))
            {
                newId = vocab.Count;
                ids[merged] = newId;
                vocab.Add(merged);
            }
            merges.Add((vocab[a], vocab[b]));
            var touched = new HashSet<long>();
            foreach (var w in pairWords[pair].OrderBy(x => x).ToList())
            {
                var s = words[w].Symbols;
                for (int i = 0; i + 1 < s.Count; i++) touched.Add(Key(s[i], s[i + 1]));
                Count(w, -1);
                for (int i = 0; i + 1 < s.Count; i++)
                    if (s[i] == a && s[i + 1] == b) { s[i] = newId; s.RemoveAt(i + 1); }
                Count(w, +1);
                for (int i = 0; i + 1 < s.Count; i++) touched.Add(Key(s[i], s[i + 1]));
            }
            pairWords.Remove(pair);
            pairCounts.Remove(pair);
            foreach (var k in touched) Push(k);
        }
        Write(outDir, vocab, merges, options);
    }

    private static JsonObject PreTokenizerJson() => new()
    {
        ["type"] = "Sequence",
        ["pretokenizers"] = new JsonArray(
            new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = SplitPattern }, ["behavior"] = "Isolated", ["invert"] = false },
            new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
    };

    private static void Write(string outDir, List<string> vocab, List<(string A, string B)> merges, BpeTrainerOptions options)
    {
        Directory.CreateDirectory(outDir);
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false };
        var vocabJson = new JsonObject();
        for (int i = 0; i < vocab.Count; i++) vocabJson[vocab[i]] = i;
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(options.SpecialTokens.Select((t, i) => (JsonNode)new JsonObject
            {
                ["id"] = i, ["content"] = t, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            }).ToArray()),
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = PreTokenizerJson(),
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "", ["end_of_word_suffix"] = "",
                ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = false,
                ["vocab"] = vocabJson,
                ["merges"] = new JsonArray(merges.Select(m => (JsonNode)new JsonArray(m.A, m.B)).ToArray()),
            },
        };
        var indented = new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        AtomicFile.WriteAllText(Path.Combine(outDir, Tokenizer.FileName), tokenizer.ToJsonString(indented));
        string eos = options.SpecialTokens[0];
        var config = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["bos_token"] = null,
            ["eos_token"] = eos,
            ["pad_token"] = options.SpecialTokens.Contains("<|pad|>") ? "<|pad|>" : eos,
            ["unk_token"] = null,
            ["add_bos_token"] = false,
            ["clean_up_tokenization_spaces"] = false,
            ["model_max_length"] = 1024,
            ["chat_template"] = ChatMlTemplate,
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, Tokenizer.ConfigFileName), config.ToJsonString(indented));
    }
}
