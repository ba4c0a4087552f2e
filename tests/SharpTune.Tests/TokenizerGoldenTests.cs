using System.Text.Json;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

/// <summary>Every reference encoding and decoding made by Hugging Face's Rust tokenizers.</summary>
public class TokenizerGoldenTests
{
    private static readonly Dictionary<string, Tokenizer> Cache = new();

    internal static Tokenizer Load(string name)
    {
        lock (Cache)
            return Cache.TryGetValue(name, out var t) ? t : Cache[name] = Tokenizer.Load(Shared.Golden("tokenizers", name));
    }

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "qwen3", "mistral" })
            foreach (var line in File.ReadLines(Shared.Golden("tokenizers", name, "cases.jsonl")))
                data.Add(name, JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!);
        return data;
    }

    public static TheoryData<string, int> DecodeCases()
    {
        var data = new TheoryData<string, int>();
        foreach (var name in new[] { "qwen3", "mistral" })
        {
            int n = File.ReadLines(Shared.Golden("tokenizers", name, "decode_cases.jsonl")).Count();
            for (int i = 0; i < n; i++) data.Add(name, i);
        }
        return data;
    }

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Theory, MemberData(nameof(Cases))]
    public void EncodesAndDecodesLikeTheRustEngine(string name, string caseId)
    {
        var tok = Load(name);
        var c = File.ReadLines(Shared.Golden("tokenizers", name, "cases.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement).Single(e => e.GetProperty("id").GetString() == caseId);
        var text = c.GetProperty("text").GetString()!;
        var ids = tok.Encode(text, addSpecialTokens: false);
        Assert.Equal(Ints(c.GetProperty("ids")), ids);
        Assert.Equal(Ints(c.GetProperty("ids_with_special")), tok.Encode(text));
        Assert.Equal(c.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!), ids.Select(i => tok.IdToToken(i)!));
        Assert.Equal(c.GetProperty("decoded").GetString(), tok.Decode(ids));
        Assert.Equal(c.GetProperty("decoded_with_special").GetString(), tok.Decode(Ints(c.GetProperty("ids_with_special"))));
    }

    [Theory, MemberData(nameof(DecodeCases))]
    public void DecodeOnlyCases(string name, int index)
    {
        var tok = Load(name);
        var c = JsonDocument.Parse(File.ReadLines(Shared.Golden("tokenizers", name, "decode_cases.jsonl")).ElementAt(index)).RootElement;
        Assert.Equal(c.GetProperty("decoded").GetString(), tok.Decode(Ints(c.GetProperty("ids")), c.GetProperty("skip_special_tokens").GetBoolean()));
    }

    [Fact]
    public void SpecialTokenNamesComeFromTokenizerConfig()
    {
        var qwen = Load("qwen3");
        Assert.Equal("<|im_end|>", qwen.EosToken);
        Assert.Equal(151645, qwen.EosTokenId);
        Assert.Null(qwen.BosToken);
        var mistral = Load("mistral");
        Assert.Equal(1, mistral.BosTokenId);
        Assert.Equal(2, mistral.EosTokenId);
        Assert.Null(mistral.ChatTemplate);
    }
}
