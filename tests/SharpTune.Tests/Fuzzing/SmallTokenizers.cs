using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Models;

namespace SharpTune.Tests.Fuzzing;

/// <summary>
/// Fuzz seeds for tokenizer.json: the real Mistral, Qwen3 and shipped-base pipelines (normalizers, pre-tokenizers,
/// post-processors, decoders, added tokens) with the vocabulary cut to a few hundred tokens, so that one case
/// parses in about a millisecond instead of a second. Merges are kept when both parts and the result survive.
/// </summary>
public static class SmallTokenizers
{
    public sealed record Seed(string Name, byte[] TokenizerJson, byte[]? ConfigJson);

    public static IReadOnlyList<Seed> Seeds => Lazy.Value;

    private static readonly Lazy<IReadOnlyList<Seed>> Lazy = new(() =>
    [
        Make("mistral", Shared.Golden("tokenizers", "mistral")),
        Make("qwen3", Shared.Golden("tokenizers", "qwen3")),
        Make("sharptune-base", Path.Combine(Shared.RepoRoot, "models", "sharptune-base")),
    ]);

    private static Seed Make(string name, string dir)
    {
        var root = JsonNode.Parse(File.ReadAllBytes(Path.Combine(dir, "tokenizer.json")))!.AsObject();
        var model = root["model"]!.AsObject();
        var vocab = model["vocab"]!.AsObject();
        var kept = new JsonObject();
        foreach (var (token, id) in vocab)
            if (id!.GetValue<int>() < 400 || token.StartsWith("<0x", StringComparison.Ordinal)) kept[token] = id.GetValue<int>();
        var merges = new JsonArray();
        foreach (var m in model["merges"]!.AsArray())
        {
            var (a, b) = m is JsonArray pair ? (pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>())
                : (m!.GetValue<string>().Split(' ', 2)[0], m.GetValue<string>().Split(' ', 2)[1]);
            if (kept.ContainsKey(a) && kept.ContainsKey(b) && kept.ContainsKey(a + b)) merges.Add(m!.DeepClone());
        }
        model["vocab"] = kept;
        model["merges"] = merges;
        var json = Encoding.UTF8.GetBytes(root.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        var configPath = Path.Combine(dir, "tokenizer_config.json");
        return new Seed(name, json, File.Exists(configPath) ? File.ReadAllBytes(configPath) : null);
    }
}
