using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests;

public class ModelIOTests
{
    private static string CopyGolden(string name)
    {
        var dir = Shared.TempDir();
        foreach (var f in new[] { "config.json", "model.safetensors", "generation_config.json" })
            File.Copy(Shared.Golden(name, f), Path.Combine(dir, f));
        return dir;
    }

    [Fact]
    public void TorchSharpLoadsAndComputes()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[,] { { 1, 2 }, { 3, 4 } });
        Assert.Equal(new float[] { 7, 10, 15, 22 }, a.matmul(a).data<float>().ToArray());
    }

    [Fact]
    public void EveryLibTorchSharpCopyInTheOutputIsPatched()
    {
        var copies = Directory.GetFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories);
        Assert.NotEmpty(copies);
        foreach (var so in copies)
        {
            var psi = new ProcessStartInfo("readelf", ["-V", so]) { RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var line = text.Split('\n').FirstOrDefault(l => l.Contains("Name: GLIBCXX_3.4.32"));
            if (line is not null) Assert.Contains("Flags: WEAK", line);
        }
    }

    [Fact]
    public void UnknownModelTypeIsAClearError()
    {
        var dir = CopyGolden("llama-tiny");
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        cfg["model_type"] = "falcon";
        File.WriteAllText(Path.Combine(dir, "config.json"), cfg.ToJsonString());
        var e = Assert.Throws<SharpTuneException>(() => ModelIO.Load(dir));
        Assert.Contains("model_type 'falcon'", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void MissingOrMisShapedTensorsAreNamed()
    {
        using var scope = NewDisposeScope();
        var src = SafeTensorsFile.Open(Shared.Golden("llama-tiny", "model.safetensors")).LoadAll();
        var dir = CopyGolden("llama-tiny");
        var weights = Path.Combine(dir, "model.safetensors");

        SafeTensorsFile.Save(weights, src.Where(kv => kv.Key != "model.layers.1.mlp.up_proj.weight"));
        var missing = Assert.Throws<SharpTuneException>(() => ModelIO.Load(dir));
        Assert.Contains("'model.layers.1.mlp.up_proj.weight' is missing", missing.Message);

        var bad = new Dictionary<string, Tensor>(src) { ["model.norm.weight"] = ones(63) };
        SafeTensorsFile.Save(weights, bad);
        var shape = Assert.Throws<SharpTuneException>(() => ModelIO.Load(dir));
        Assert.Contains("'model.norm.weight' has shape [63], expected [64]", shape.Message);

        File.WriteAllBytes(weights, [1, 2, 3]);
        Assert.Contains("not a safetensors file", Assert.Throws<SharpTuneException>(() => ModelIO.Load(dir)).Message);
    }

    [Fact]
    public void ShardedCheckpointsLoadThroughTheIndex()
    {
        using var scope = NewDisposeScope();
        var src = SafeTensorsFile.Open(Shared.Golden("qwen2-tiny", "model.safetensors")).LoadAll();
        var dir = CopyGolden("qwen2-tiny");
        File.Delete(Path.Combine(dir, "model.safetensors"));
        var keys = src.Keys.OrderBy(k => k).ToList();
        var map = new JsonObject();
        for (int shard = 0; shard < 2; shard++)
        {
            var name = $"model-0000{shard + 1}-of-00002.safetensors";
            var part = keys.Where((_, i) => i % 2 == shard).ToList();
            SafeTensorsFile.Save(Path.Combine(dir, name), part.Select(k => KeyValuePair.Create(k, src[k])));
            foreach (var k in part) map[k] = name;
        }
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = map }.ToJsonString());
        using var sharded = ModelIO.Load(dir);
        using var single = ModelIO.Load(Shared.Golden("qwen2-tiny"));
        var ids = SafeTensorsFile.Open(Shared.Golden("qwen2-tiny", "golden.safetensors")).Load("input_ids");
        using var _ = no_grad();
        Assert.True(sharded.Forward(ids).eq(single.Forward(ids)).all().item<bool>());
    }

    [Theory]
    [InlineData("bfloat16", "BF16")]
    [InlineData("float16", "F16")]
    public void HalfPrecisionCheckpointsUpcastAndRoundTripBitExact(string dtypeName, string stDtype)
    {
        using var scope = NewDisposeScope();
        var dtype = ModelIO.ParseDType(dtypeName);
        var src = SafeTensorsFile.Open(Shared.Golden("llama-tiny", "model.safetensors")).LoadAll();
        var dir = CopyGolden("llama-tiny");
        SafeTensorsFile.Save(Path.Combine(dir, "model.safetensors"), src.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.to_type(dtype))));
        var cfg = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!;
        cfg["torch_dtype"] = dtypeName;
        File.WriteAllText(Path.Combine(dir, "config.json"), cfg.ToJsonString());

        using var model = ModelIO.Load(dir);
        Assert.Equal(ScalarType.Float32, model.DType);
        var p = model.named_parameters().First(x => x.name == "model.layers.0.self_attn.q_proj.weight").parameter;
        Assert.True(p.eq(src["model.layers.0.self_attn.q_proj.weight"].to_type(dtype).to_type(ScalarType.Float32)).all().item<bool>());

        var outDir = Shared.TempDir();
        ModelIO.Save(model, outDir);
        var a = SafeTensorsFile.Open(Path.Combine(dir, "model.safetensors"));
        var b = SafeTensorsFile.Open(Path.Combine(outDir, "model.safetensors"));
        foreach (var key in a.Tensors.Keys)
        {
            Assert.Equal(stDtype, b.Tensors[key].DType);
            Assert.Equal(a.ReadBytes(key), b.ReadBytes(key));
        }
    }

    [Fact]
    public void SafetensorsHeaderIsPaddedAndReadableInAnyOrder()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Shared.TempDir(), "t.safetensors");
        SafeTensorsFile.Save(path, [KeyValuePair.Create("z", arange(5, dtype: ScalarType.Int64)), KeyValuePair.Create("a", ones(2, 3))],
            new Dictionary<string, string> { ["format"] = "pt" });
        var bytes = File.ReadAllBytes(path);
        long headerLen = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, headerLen % 8);
        using var doc = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLen));
        Assert.Equal("pt", doc.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        var f = SafeTensorsFile.Open(path);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, f.Load("z").data<long>().ToArray());
        Assert.Equal(new long[] { 2, 3 }, f.Tensors["a"].Shape);
        Assert.Equal("pt", f.Metadata["format"]);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("gpt2")]
    public void InitIsSeededAndFollowsHfInitialisation(string arch)
    {
        using var scope = NewDisposeScope();
        var config = ModelConfig.FromJson(ModelPresets.Config(arch, "tiny"));
        using var a = ModelIO.Create(config);
        using var b = ModelIO.Create(config);
        ModelIO.Initialize(a, 5);
        ModelIO.Initialize(b, 5);
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
        {
            Assert.True(pa.eq(pb).all().item<bool>(), name);
            if (name.EndsWith("bias")) Assert.Equal(0, pa.abs().max().item<float>());
            else if (name.Contains("norm") || name.Contains("ln_")) Assert.Equal(1, pa.min().item<float>());
            else if (pa.numel() > 1000)
            {
                double std = pa.std().item<float>();
                double want = arch == "gpt2" && name.EndsWith("c_proj.weight") ? 0.02 / Math.Sqrt(2 * config.NumLayers) : 0.02;
                Assert.InRange(std, want * 0.9, want * 1.1);
            }
        }
    }
}
