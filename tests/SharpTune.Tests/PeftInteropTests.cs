using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// adapter_config.json as PEFT 0.12 writes it, for every method SharpTune saves: the field names and JSON types
/// of PEFT's LoraConfig / PromptTuningConfig / PrefixTuningConfig / PromptEncoderConfig
/// (References/peft-0.12-config-fields.json, itself checked against the files real PEFT 0.12 wrote).
/// </summary>
public class PeftInteropTests
{
    private static readonly JsonObject Reference = JsonNode.Parse(File.ReadAllText(
        Path.Combine(Shared.RepoRoot, "tests", "SharpTune.Tests", "References", "peft-0.12-config-fields.json")))!.AsObject();

    private static string JsonType(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "string",
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString().Any(c => c is '.' or 'e' or 'E') ? "number" : "integer",
        _ => "?",
    };

    private static JsonObject ClassFor(string peftType) =>
        Reference["classes"]!.AsObject().Select(kv => kv.Value!.AsObject()).Single(c => (string)c["peft_type"]! == peftType);

    /// <summary>Every key is a field of PEFT's class with one of its JSON types, and every field is present.</summary>
    private static void AssertMatchesPeft(string path)
    {
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var cls = ClassFor((string)config["peft_type"]!);
        var fields = cls["fields"]!.AsObject();
        foreach (var (key, value) in config)
        {
            Assert.True(fields.ContainsKey(key), $"{path}: '{key}' is not a field of PEFT 0.12's config for {config["peft_type"]}");
            var types = fields[key]!.AsArray().Select(t => (string)t!).ToList();
            Assert.True(types.Contains(JsonType(value)), $"{path}: '{key}' is JSON {JsonType(value)}, PEFT's field takes {string.Join("|", types)}");
            if (Reference["enums"]![key] is JsonArray allowed && value is not null)
                Assert.Contains((string)value!, allowed.Select(a => (string)a!));
        }
        var missing = fields.Select(f => f.Key).Where(k => !config.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, $"{path}: PEFT writes {string.Join(", ", missing)} but this file lacks them");
        if (config["target_modules"] is JsonArray targets)
            Assert.All(targets, t => Assert.Equal("string", JsonType(t)));
    }

    [Theory]
    [InlineData("lora-r8")]
    [InlineData("rslora-r4")]
    [InlineData("lora-train-step")]
    [InlineData("prompt-tuning")]
    [InlineData("p-tuning")]
    [InlineData("prefix-tuning")]
    public void TheReferenceDescribesTheFilesPeftWrote(string golden) => AssertMatchesPeft(Shared.Golden("peft", golden, PeftConfig.FileName));

    public static TheoryData<string, MethodOptions> Methods => new()
    {
        { "lora", new MethodOptions { Method = "lora", Rank = 4, Alpha = 8, Targets = "q_proj,v_proj" } },
        { "lora all-linear", new MethodOptions { Method = "lora", Rank = 4, Alpha = 8, Targets = "all-linear" } },
        { "rslora", new MethodOptions { Method = "lora", Rank = 4, Alpha = 8, Targets = "q_proj,down_proj", Rslora = true } },
        { "dora", new MethodOptions { Method = "lora", Rank = 4, Alpha = 8, Targets = "all-linear", Dora = true } },
        { "prompt-tuning random", new MethodOptions { Method = "prompt-tuning", VirtualTokens = 4 } },
        { "prompt-tuning text", new MethodOptions { Method = "prompt-tuning", VirtualTokens = 6, InitText = "Summarize the package:" } },
        { "p-tuning mlp", new MethodOptions { Method = "p-tuning", VirtualTokens = 4, EncoderHidden = 16 } },
        { "p-tuning lstm", new MethodOptions { Method = "p-tuning", VirtualTokens = 4, EncoderHidden = 16, Encoder = "lstm" } },
        { "prefix-tuning", new MethodOptions { Method = "prefix-tuning", VirtualTokens = 4 } },
        { "prefix-tuning projection", new MethodOptions { Method = "prefix-tuning", VirtualTokens = 4, PrefixProjection = true, EncoderHidden = 16 } },
    };

    [Theory, MemberData(nameof(Methods))]
    public void SavedAdapterConfigHasPeftsFieldsAndTypesAndReloads(string label, MethodOptions method)
    {
        using var scope = NewDisposeScope();
        var baseModel = ModelIO.Load(TinyFixture.ModelDir);
        var tok = Tokenizer.Load(TinyFixture.ModelDir);
        using var adapted = AdapterFactory.Create(baseModel, method, tok, 3, "tiny");
        // Move every trainable value off its initialisation (LoRA's B starts at zero) so a reload is a real check.
        using (no_grad())
            foreach (var (_, p) in adapted.Trainable) p.add_(randn(p.shape, generator: new Generator(1, CPU)) * 0.02);
        var dir = Shared.TempDir();
        adapted.Save(dir);
        var path = Path.Combine(dir, PeftConfig.FileName);
        AssertMatchesPeft(path);

        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var loaded = PeftConfig.Load(dir);
        Assert.Equal((string)config["peft_type"]!, loaded.PeftType);
        if (method.Method == "lora")
        {
            var targets = config["target_modules"]!.AsArray().Select(t => (string)t!).ToList();
            var expected = method.Targets == "all-linear"
                ? ["down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"]   // every linear but lm_head, by leaf name
                : method.Targets.Split(',').ToList();
            // all-linear is written sorted; a given list in the order given (PEFT writes a set: order carries nothing).
            Assert.Equal(expected.Order(StringComparer.Ordinal), targets.Order(StringComparer.Ordinal));
            if (method.Targets == "all-linear") Assert.Equal(expected, targets);
            Assert.Equal(method.Rank, (int)config["r"]!);
            Assert.Equal(method.Alpha, (double)config["lora_alpha"]!);
            Assert.Equal(method.Rslora, (bool)config["use_rslora"]!);
            Assert.Equal(method.Dora, (bool)config["use_dora"]!);
            Assert.Equal(targets, loaded.TargetModules);
            // PEFT 0.12's tensor names: DoRA's magnitude without ".weight".
            var keys = SafeTensorsFile.Open(Path.Combine(dir, AdapterIO.WeightsFile)).Tensors.Keys.ToList();
            Assert.All(keys, k => Assert.Matches(@"^base_model\.model\.model\.layers\.\d+\.(self_attn|mlp)\.\w+_proj\.(lora_A\.weight|lora_B\.weight|lora_magnitude_vector)$", k));
            Assert.Equal(method.Dora, keys.Any(k => k.EndsWith("lora_magnitude_vector")));
        }
        else
        {
            Assert.Equal(method.VirtualTokens, (int)config["num_virtual_tokens"]!);
            Assert.Equal(method.VirtualTokens, loaded.NumVirtualTokens);
            Assert.Equal(baseModel.Config.NumLayers, (int)config["num_layers"]!);
            Assert.Equal("CAUSAL_LM", (string)config["task_type"]!);
            if (method.Method == "prompt-tuning")
            {
                Assert.Equal(method.InitText is null ? "RANDOM" : "TEXT", (string)config["prompt_tuning_init"]!);
                Assert.Equal(method.InitText, (string?)config["prompt_tuning_init_text"]);
                Assert.Equal(loaded.PromptTuningInitText, method.InitText);
            }
            if (method.Method == "p-tuning")
            {
                Assert.Equal(method.Encoder.ToUpperInvariant(), (string)config["encoder_reparameterization_type"]!);
                Assert.Equal(method.EncoderHidden, (int)config["encoder_hidden_size"]!);
                Assert.Equal(loaded.EncoderReparameterizationType, method.Encoder.ToUpperInvariant());
            }
            if (method.Method == "prefix-tuning")
                Assert.Equal(method.PrefixProjection, (bool)config["prefix_projection"]!);
        }

        // And the folder loads back to the same function.
        var ids = tensor(new long[,] { { 5, 17, 99, 230, 7, 41 } });
        using var _ = no_grad();
        var before = adapted.Forward(ids).clone();
        adapted.Dispose();
        using var reloaded = AdapterIO.Load(dir, baseModel);
        var after = reloaded.Forward(ids);
        Assert.True((after - before).abs().max().item<float>() < 1e-5, $"{label}: reloaded adapter computes something else");
    }
}
