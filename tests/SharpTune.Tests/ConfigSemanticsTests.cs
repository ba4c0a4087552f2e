using System.Text.Json.Nodes;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>Config features the golden checkpoints do not exercise, checked against their definitions.</summary>
public class ConfigSemanticsTests
{
    private static JsonObject TinyLlama(Action<JsonObject>? edit = null)
    {
        var c = JsonNode.Parse(File.ReadAllText(Shared.Golden("llama-tiny", "config.json")))!.AsObject();
        edit?.Invoke(c);
        return c;
    }

    [Fact]
    public void Llama3RopeScalingFollowsItsFormula()
    {
        var c = ModelConfig.FromJson(TinyLlama(o =>
        {
            o["rope_theta"] = 500000.0;
            o["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 64 };
        }));
        using var rope = new RotaryEmbedding(c, CPU);
        using var scope = NewDisposeScope();
        var (cos, _) = rope.Compute(arange(0, 2, dtype: ScalarType.Int64).unsqueeze(0), ScalarType.Float32);
        // At position 1, cos(inv_freq_i) reveals each frequency; compare with Llama 3.1's rule computed here in double.
        var got = cos[0, 0, 1].data<float>().ToArray();
        int d = c.HeadDim;
        for (int i = 0; i < d / 2; i++)
        {
            double f = 1.0 / Math.Pow(500000.0, 2.0 * i / d), wavelen = 2 * Math.PI / f;
            double lowWl = 64 / 1.0, highWl = 64 / 4.0;
            double expected = wavelen < highWl ? f : wavelen > lowWl ? f / 8 : ((1 - (64 / wavelen - 1) / 3) * f / 8 + (64 / wavelen - 1) / 3 * f);
            Assert.Equal(Math.Cos(expected), got[i], 5);
            Assert.Equal(got[i], got[i + d / 2]); // rotate_half: the two halves share frequencies
        }
    }

    [Fact]
    public void SlidingWindowLimitsWhatALayerSees()
    {
        // One Mistral layer with window 4: position t depends only on tokens t−3…t (and their positions).
        var cfg = ModelConfig.FromJson(TinyLlama(o => { o["model_type"] = "mistral"; o["sliding_window"] = 4; o["num_hidden_layers"] = 1; }));
        using var scope = NewDisposeScope();
        using var model = ModelIO.Create(cfg);
        ModelIO.Initialize(model, 1);
        var ids = tensor(new long[] { 5, 17, 99, 3, 250, 41, 8, 77, 300, 12 }).unsqueeze(0);
        using var _ = no_grad();
        var full = model.Forward(ids)[0, 9];
        var window = model.Forward(ids.narrow(1, 6, 4), positionIds: arange(6, 10, dtype: ScalarType.Int64).unsqueeze(0))[0, 3];
        Assert.True((full - window).abs().max().item<float>() < 1e-5);
        // Without the window the far past matters.
        using var plain = ModelIO.Create(ModelConfig.FromJson(TinyLlama(o => o["num_hidden_layers"] = 1)));
        ModelIO.Initialize(plain, 1);
        var plainFull = plain.Forward(ids)[0, 9];
        var plainWindow = plain.Forward(ids.narrow(1, 6, 4), positionIds: arange(6, 10, dtype: ScalarType.Int64).unsqueeze(0))[0, 3];
        Assert.True((plainFull - plainWindow).abs().max().item<float>() > 1e-4);
    }

    [Fact]
    public void GroupedQueryAttentionEqualsMultiHeadWithSharedKeys()
    {
        // llama-tiny (4 query heads, 2 KV heads) equals the same model with 4 KV heads whose k/v rows repeat each KV head twice.
        using var scope = NewDisposeScope();
        using var gqa = ModelIO.Load(Shared.Golden("llama-tiny"));
        using var mha = ModelIO.Create(ModelConfig.FromJson(TinyLlama(o => o["num_key_value_heads"] = 4)));
        using (no_grad())
            foreach (var (name, p) in mha.named_parameters())
            {
                var src = gqa.named_parameters().First(q => q.name == name).parameter;
                p.copy_(name.Contains("k_proj") || name.Contains("v_proj") ? src.view(2, 16, 64).repeat_interleave(2, 0).reshape(64, 64) : src);
            }
        var ids = tensor(new long[] { 37, 235, 396, 72, 255, 393 }).unsqueeze(0);
        using var _ = no_grad();
        Assert.True((gqa.Forward(ids) - mha.Forward(ids)).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void ByteLevelRegexAndDigitsSplitAsSmolLM2Does()
    {
        // Every byte plus merges that would only apply if the splits were wrong: "oĠ" (word + following space), "20" (digits), "Ġ2".
        var vocab = new JsonObject();
        int id = 0;
        foreach (var c in ByteLevelAlphabet.ByteToChar) vocab[c.ToString()] = id++;
        foreach (var m in new[] { "oĠ", "20", "Ġ2", "He", "ll" }) vocab[m] = id++;
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Digits", ["individual_digits"] = true },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true }),
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["vocab"] = vocab,
                ["merges"] = new JsonArray("o Ġ", "2 0", "Ġ 2", "H e", "l l"),
            },
        };
        var path = Path.Combine(Shared.TempDir(), "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        var tok = Tokenizer.Load(path);
        var ids = tok.Encode("Hello 2024!");
        // Digits isolates 2,0,2,4 (so "20" and "Ġ2" never form); GPT-2's regex keeps " " off "Hello" ("oĠ" never forms).
        Assert.Equal(new[] { "He", "ll", "o", "Ġ", "2", "0", "2", "4", "!" }, ids.Select(i => tok.IdToToken(i)!));
        Assert.Equal("Hello 2024!", tok.Decode(ids));
    }
}
