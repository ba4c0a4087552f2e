using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

/// <summary>
/// Issue 8's samples of hostile files: each must be one SharpTuneException line naming the file and the field,
/// thrown before anything large is allocated or any file outside the model folder is opened.
/// </summary>
public class HostileInputTests
{
    private static void AssertOneLine(SharpTuneException e, params string[] parts)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain('\r', e.Message);
        foreach (var p in parts) Assert.Contains(p, e.Message);
    }

    /// <summary>A copy of a golden model folder (config edited as JSON text or node), weights linked.</summary>
    private static string ModelDir(string name, Action<JsonObject>? edit = null, string? rawConfig = null)
    {
        var dir = Shared.TempDir();
        var config = JsonNode.Parse(File.ReadAllText(Shared.Golden(name, "config.json")))!.AsObject();
        edit?.Invoke(config);
        File.WriteAllText(Path.Combine(dir, "config.json"), rawConfig ?? config.ToJsonString());
        File.Copy(Shared.Golden(name, ModelIO.WeightsFile), Path.Combine(dir, ModelIO.WeightsFile));
        return dir;
    }

    private static SharpTuneException LoadFails(string dir) => Assert.Throws<SharpTuneException>(() => ModelIO.Load(dir).Dispose());

    // ---- config.json

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("42", "a number")]
    [InlineData("null", "null")]
    [InlineData("\"llama\"", "a string")]
    public void ConfigThatIsNotAnObjectIsNamed(string json, string kind)
    {
        var dir = ModelDir("llama-tiny", rawConfig: json);
        AssertOneLine(LoadFails(dir), "config.json", "expected a JSON object", kind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(3)] // does not divide 4 heads
    public void KeyValueHeadsMustDivideTheHeads(int kv)
    {
        var dir = ModelDir("llama-tiny", c => c["num_key_value_heads"] = kv);
        AssertOneLine(LoadFails(dir), "config.json", "num_key_value_heads");
    }

    [Fact]
    public void HugeVocabIsRefusedBeforeAllocating()
    {
        // 2e9 × 64 × 2 (untied) parameters: the size check names the fields instead of libtorch failing to allocate.
        var dir = ModelDir("llama-tiny", c => c["vocab_size"] = 2_000_000_000);
        AssertOneLine(LoadFails(dir), "config.json", "vocab_size");
        var big = JsonNode.Parse(File.ReadAllText(Shared.Golden("llama-tiny", "config.json")))!.AsObject();
        (big["hidden_size"], big["intermediate_size"], big["num_hidden_layers"]) = (4096, 200000, 4000);
        var e = Assert.Throws<SharpTuneException>(() => ModelConfig.FromJson(big, "config.json"));
        AssertOneLine(e, "config.json", "GiB", "memory");
    }

    [Theory]
    [InlineData("vocab_size", "2e10")]
    [InlineData("hidden_size", "1e400")]
    [InlineData("num_hidden_layers", "2.5")]
    [InlineData("intermediate_size", "\"176\"")]
    [InlineData("max_position_embeddings", "0")]
    [InlineData("max_position_embeddings", "-128")]
    [InlineData("rope_theta", "0")]
    [InlineData("rms_norm_eps", "-1")]
    [InlineData("tie_word_embeddings", "\"yes\"")]
    [InlineData("eos_token_id", "[2, \"x\"]")]
    [InlineData("torch_dtype", "\"int8\"")]
    [InlineData("torch_dtype", "\"float64\"")]
    [InlineData("hidden_act", "\"swiglu\"")]
    public void BadConfigFieldIsNamed(string field, string json)
    {
        var dir = ModelDir("llama-tiny", c => c[field] = JsonNode.Parse(json));
        AssertOneLine(LoadFails(dir), "config.json", field);
    }

    [Theory]
    [InlineData("""{"rope_type": "linear", "factor": 0}""", "rope_scaling.factor")]
    [InlineData("""{"rope_type": "linear", "factor": -2}""", "rope_scaling.factor")]
    [InlineData("""{"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 4}""", "rope_scaling.high_freq_factor")]
    [InlineData("""[1, 2]""", "rope_scaling")]
    [InlineData("""{"rope_type": "yarn", "factor": 2}""", "rope_scaling type 'yarn'")]
    public void BadRopeScalingIsNamed(string json, string field)
    {
        var dir = ModelDir("llama-tiny", c => c["rope_scaling"] = JsonNode.Parse(json));
        AssertOneLine(LoadFails(dir), "config.json", field);
    }

    [Fact]
    public void DuplicateKeysAndBrokenTextAreErrorsNotExceptions()
    {
        var text = File.ReadAllText(Shared.Golden("llama-tiny", "config.json"));
        AssertOneLine(LoadFails(ModelDir("llama-tiny", rawConfig: text.Replace("\"vocab_size\"", "\"hidden_size\": 8, \"vocab_size\""))), "config.json", "hidden_size");
        AssertOneLine(LoadFails(ModelDir("llama-tiny", rawConfig: text.Replace("\"silu\"", "\"\\ud800\""))), "config.json", "Unicode");
        var dir = ModelDir("llama-tiny");
        var bytes = File.ReadAllBytes(Path.Combine(dir, "config.json"));
        bytes[bytes.AsSpan().IndexOf("silu"u8)] = 0xFF;
        File.WriteAllBytes(Path.Combine(dir, "config.json"), bytes);
        AssertOneLine(LoadFails(dir), "config.json", "UTF-8");
        // Multi-line user text is never echoed into the message.
        AssertOneLine(LoadFails(ModelDir("llama-tiny", c => c["model_type"] = "evil\nline")), "config.json", "model_type");
    }

    // ---- safetensors

    /// <summary>A copy of llama-tiny's weights with the header edited as JSON (and re-framed with its new length).</summary>
    private static string WithHeader(Action<JsonObject> edit)
    {
        var dir = ModelDir("llama-tiny");
        var path = Path.Combine(dir, ModelIO.WeightsFile);
        var bytes = File.ReadAllBytes(path);
        long len = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, (int)len))!.AsObject();
        edit(header);
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var result = new byte[8 + json.Length + bytes.Length - 8 - len];
        BinaryPrimitives.WriteInt64LittleEndian(result, json.Length);
        json.CopyTo(result, 8);
        bytes.AsSpan((int)(8 + len)).CopyTo(result.AsSpan(8 + json.Length));
        File.WriteAllBytes(path, result);
        return dir;
    }

    private const string Embed = "model.embed_tokens.weight";

    [Theory]
    [InlineData("192.5")]
    [InlineData("-64")]
    [InlineData("\"64\"")]
    [InlineData("1e30")]
    public void BadShapeEntryIsNamed(string dim)
    {
        var dir = WithHeader(h => h[Embed]!["shape"]![1] = JsonNode.Parse(dim));
        AssertOneLine(LoadFails(dir), "model.safetensors", Embed, "shape");
    }

    [Fact]
    public void OverlappingAndOutOfFileRangesAreRefused()
    {
        // Two tensors of the same size sharing bytes.
        var dir = WithHeader(h =>
        {
            var (a, b) = ("model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight");
            h[b]!["data_offsets"] = h[a]!["data_offsets"]!.DeepClone();
        });
        AssertOneLine(LoadFails(dir), "model.safetensors", "overlap");
        dir = WithHeader(h => h[Embed]!["data_offsets"] = new JsonArray(1L << 40, (1L << 40) + 512 * 64 * 4));
        AssertOneLine(LoadFails(dir), "model.safetensors", Embed, "outside");
    }

    [Fact]
    public void HeaderLongerThanTheFileIsRefused()
    {
        var dir = ModelDir("llama-tiny");
        var path = Path.Combine(dir, ModelIO.WeightsFile);
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt64LittleEndian(bytes, bytes.Length);
        File.WriteAllBytes(path, bytes);
        AssertOneLine(LoadFails(dir), "model.safetensors", "header length");
    }

    [Theory]
    [InlineData("I32")]
    [InlineData("BOOL")]
    public void IntegerOrBoolWeightsAreRefused(string dtype)
    {
        // Same byte size for I32 (4 bytes); BOOL needs the shape's bytes, so give it a one-element tensor of the same range.
        var dir = WithHeader(h =>
        {
            var norm = h["model.norm.weight"]!.AsObject();
            norm["dtype"] = dtype;
            if (dtype == "BOOL") norm["shape"] = new JsonArray(256);
        });
        AssertOneLine(LoadFails(dir), "model.safetensors", "model.norm.weight", dtype);
    }

    // ---- sharded index

    private static string Sharded(string file)
    {
        var dir = ModelDir("llama-tiny");
        File.Move(Path.Combine(dir, ModelIO.WeightsFile), Path.Combine(dir, "shard.safetensors"));
        var f = SafeTensorsFile.Open(Path.Combine(dir, "shard.safetensors"));
        var map = new JsonObject();
        foreach (var name in f.Tensors.Keys) map[name] = "shard.safetensors";
        map[Embed] = file;
        File.WriteAllText(Path.Combine(dir, ModelIO.IndexFile), new JsonObject { ["weight_map"] = map }.ToJsonString());
        return dir;
    }

    [Fact]
    public void ShardPathsCannotLeaveTheModelFolder()
    {
        var outside = Path.Combine(Shared.TempDir(), "outside.safetensors");
        File.Copy(Shared.Golden("llama-tiny", ModelIO.WeightsFile), outside);
        AssertOneLine(LoadFails(Sharded(outside)), ModelIO.IndexFile, Embed, "absolute");
        AssertOneLine(LoadFails(Sharded("../x/outside.safetensors")), ModelIO.IndexFile, Embed, "'..'");
        var dir = Sharded("link.safetensors");
        File.CreateSymbolicLink(Path.Combine(dir, "link.safetensors"), outside);
        AssertOneLine(LoadFails(dir), ModelIO.IndexFile, Embed, "symbolic link");
        // A link inside the folder is fine: the model loads (and equals the unsharded one).
        dir = Sharded("inside.safetensors");
        File.CreateSymbolicLink(Path.Combine(dir, "inside.safetensors"), Path.Combine(dir, "shard.safetensors"));
        using var model = ModelIO.Load(dir);
        AssertOneLine(LoadFails(Sharded("")), ModelIO.IndexFile);
        var notObject = Sharded("shard.safetensors");
        File.WriteAllText(Path.Combine(notObject, ModelIO.IndexFile), """{"weight_map": ["shard.safetensors"]}""");
        AssertOneLine(LoadFails(notObject), ModelIO.IndexFile, "weight_map");
    }

    // ---- generation_config.json

    [Theory]
    [InlineData("temperature", "-1")]
    [InlineData("temperature", "\"hot\"")]
    [InlineData("top_p", "1.5")]
    [InlineData("top_k", "-3")]
    [InlineData("top_k", "2.5")]
    [InlineData("repetition_penalty", "0")]
    [InlineData("max_new_tokens", "0")]
    [InlineData("do_sample", "1")]
    [InlineData("eos_token_id", "[2, null]")]
    [InlineData("eos_token_id", "1e308")]
    public void BadGenerationConfigFieldIsNamed(string field, string json)
    {
        var dir = Shared.TempDir();
        File.WriteAllText(Path.Combine(dir, GenerationConfig.FileName), $$"""{"{{field}}": {{json}}}""");
        AssertOneLine(Assert.Throws<SharpTuneException>(() => GenerationConfig.Load(dir)), GenerationConfig.FileName, field);
    }

    [Fact]
    public void GenerationConfigReadsItsFields()
    {
        var dir = Shared.TempDir();
        File.WriteAllText(Path.Combine(dir, GenerationConfig.FileName), """{"temperature": 0.7, "top_p": 0.9, "top_k": 50, "eos_token_id": [1, 2], "pad_token_id": null}""");
        var g = GenerationConfig.Load(dir)!;
        Assert.Equal((0.7, 0.9, 50), (g.Temperature!.Value, g.TopP!.Value, g.TopK!.Value));
        Assert.Equal([1, 2], g.EosTokenIds);
        Assert.Null(g.PadTokenId);
        Assert.Equal([2], GenerationConfig.EosIds(Shared.Golden("llama-tiny")));
        Assert.Null(GenerationConfig.Load(Shared.TempDir()));
    }

    // ---- tokenizer.json / tokenizer_config.json

    private static string TokenizerDir(Action<JsonObject>? editTokenizer = null, string? config = null)
    {
        var dir = Shared.TempDir();
        var seed = Fuzzing.SmallTokenizers.Seeds.First(s => s.Name == "sharptune-base");
        var tok = JsonNode.Parse(seed.TokenizerJson)!.AsObject();
        editTokenizer?.Invoke(tok);
        File.WriteAllText(Path.Combine(dir, Tokenizer.FileName), tok.ToJsonString());
        File.WriteAllText(Path.Combine(dir, Tokenizer.ConfigFileName), config ?? Encoding.UTF8.GetString(seed.ConfigJson!));
        return dir;
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(1L << 40)]
    public void VocabIdOutOfRangeIsNamed(long id)
    {
        var dir = TokenizerDir(t => t["model"]!["vocab"]!["a"] = id);
        AssertOneLine(Assert.Throws<SharpTuneException>(() => Tokenizer.Load(dir)), "tokenizer.json", "model.vocab entry 'a'", id.ToString());
    }

    [Theory]
    [InlineData("[]", "tokenizer_config.json", "an array")]
    [InlineData("""{"eos_token": 5}""", "tokenizer_config.json", "eos_token")]
    [InlineData("""{"eos_token": {"special": true}}""", "tokenizer_config.json", "eos_token.content")]
    [InlineData("""{"chat_template": 7}""", "tokenizer_config.json", "chat_template")]
    public void BadTokenizerConfigIsNamed(string config, string file, string field)
    {
        var dir = TokenizerDir(config: config);
        AssertOneLine(Assert.Throws<SharpTuneException>(() => Tokenizer.Load(dir)), file, field);
    }

    [Theory]
    [InlineData("normalizer", "[]")]
    [InlineData("added_tokens", """{"id": 1}""")]
    [InlineData("pre_tokenizer", """{"type": "Split", "pattern": {"Regex": "[unclosed"}}""")]
    [InlineData("decoder", """{"type": "Strip", "content": "", "start": 1}""")]
    [InlineData("post_processor", """{"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}], "special_tokens": {"<s>": {"ids": [-1]}}}""")]
    public void BadTokenizerPipelineIsNamed(string section, string json)
    {
        var dir = TokenizerDir(t => t[section] = JsonNode.Parse(json));
        AssertOneLine(Assert.Throws<SharpTuneException>(() => Tokenizer.Load(dir)), "tokenizer.json", section);
    }

    // ---- adapter_config.json

    private static string AdapterDir(string name, string? raw = null, Action<JsonObject>? edit = null)
    {
        var dir = Shared.TempDir();
        var config = JsonNode.Parse(File.ReadAllText(Shared.Golden("peft", name, PeftConfig.FileName)))!.AsObject();
        edit?.Invoke(config);
        File.WriteAllText(Path.Combine(dir, PeftConfig.FileName), raw ?? config.ToJsonString());
        File.Copy(Shared.Golden("peft", name, AdapterIO.WeightsFile), Path.Combine(dir, AdapterIO.WeightsFile));
        return dir;
    }

    private static SharpTuneException AdapterFails(string dir)
    {
        using var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
        return Assert.Throws<SharpTuneException>(() => AdapterIO.Load(dir, baseModel).Dispose());
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("[{\"peft_type\": \"LORA\"}]")]
    public void AdapterConfigThatIsAnArrayIsNamed(string raw) =>
        AssertOneLine(AdapterFails(AdapterDir("lora-r8", raw)), PeftConfig.FileName, "expected a JSON object", "an array");

    [Theory]
    [InlineData("lora-r8", "r", "0")]
    [InlineData("lora-r8", "r", "99999999999")]
    [InlineData("lora-r8", "r", "1048576")] // in range, but not the stored rank: refused before allocating it
    [InlineData("lora-r8", "r", "8.5")]
    [InlineData("lora-r8", "lora_alpha", "\"16\"")]
    [InlineData("lora-r8", "lora_dropout", "1")]
    [InlineData("lora-r8", "target_modules", "[\"q_proj\", 3]")]
    [InlineData("lora-r8", "use_rslora", "\"true\"")]
    [InlineData("lora-r8", "target_modules", "\"[\"")] // a regex that does not compile
    [InlineData("prompt-tuning", "num_virtual_tokens", "0")]
    [InlineData("prompt-tuning", "num_virtual_tokens", "1000000")]
    [InlineData("p-tuning", "encoder_reparameterization_type", "\"GRU\"")]
    public void BadAdapterFieldIsNamed(string adapter, string field, string json) =>
        AssertOneLine(AdapterFails(AdapterDir(adapter, edit: c => c[field] = JsonNode.Parse(json))), PeftConfig.FileName, field);

    [Fact]
    public void AnLstmEncoderDepthSharpTuneDoesNotBuildIsRefusedNotLoadedWrong() =>
        AssertOneLine(AdapterFails(AdapterDir("p-tuning", edit: c => { c["encoder_reparameterization_type"] = "LSTM"; c["encoder_num_layers"] = 3; })),
            PeftConfig.FileName, "encoder_num_layers");

    // ---- training JSONL

    [Theory]
    [InlineData("""{"source": "\ud800", "summary": "x"}""", "Unicode")]
    [InlineData("""{"source": "a", "source": "b", "summary": "x"}""", "source")]
    [InlineData("""[{"source": "a", "summary": "x"}]""", "an array")]
    public void BadTrainingLinesAreNamed(string line, string part)
    {
        var path = Path.Combine(Shared.TempDir(), "train.jsonl");
        File.WriteAllText(path, """{"source": "fine", "summary": "ok"}""" + "\n" + line + "\n");
        var tok = Tokenizer.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));
        AssertOneLine(Assert.Throws<SharpTuneException>(() => SftDataset.Load(path, tok, new SftDataOptions())), "train.jsonl:2", part);
    }

    [Fact]
    public void InvalidUtf8InTrainingDataNamesTheLine()
    {
        var path = Path.Combine(Shared.TempDir(), "train.jsonl");
        var bad = Encoding.UTF8.GetBytes("{\"source\": \"caf\u00e9\", \"summary\": \"x\"}\n");
        bad[bad.AsSpan().IndexOf((byte)0xC3)] = 0xFF; // é's lead byte replaced: invalid UTF-8
        File.WriteAllBytes(path, [.. Encoding.UTF8.GetBytes("{\"source\": \"fine\", \"summary\": \"ok\"}\n"), .. bad]);
        var tok = Tokenizer.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));
        AssertOneLine(Assert.Throws<SharpTuneException>(() => SftDataset.Load(path, tok, new SftDataOptions())), "train.jsonl:2", "UTF-8");
    }
}
