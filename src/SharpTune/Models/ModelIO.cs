using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>Builds, loads and saves models in the Hugging Face folder format (config.json + safetensors).</summary>
public static class ModelIO
{
    public const string WeightsFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    // Buffers some checkpoints carry that are recomputed here, not learned.
    private static readonly string[] IgnorableSuffixes = [".attn.bias", ".attn.masked_bias", "rotary_emb.inv_freq"];

    public static CausalLM Create(ModelConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        device ??= CPU;
        return config.Architecture switch
        {
            Architecture.Gpt2 => new Gpt2LMHeadModel(config, device, dtype),
            _ => new LlamaForCausalLM(config, device, dtype),
        };
    }

    public static ScalarType ParseDType(string name) => name.ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "f16" or "half" => ScalarType.Float16,
        _ => throw new SharpTuneException($"dtype '{name}' is not supported (expected float32, bfloat16 or float16)"),
    };

    public static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.BFloat16 => "bfloat16", ScalarType.Float16 => "float16", _ => "float32",
    };

    /// <summary>Loads a model folder. Weights stored as F16/BF16 are converted to <paramref name="dtype"/> (fp32 on CPU).</summary>
    public static CausalLM Load(string dir, Device? device = null, ScalarType dtype = ScalarType.Float32, List<string>? warnings = null)
    {
        if (!Directory.Exists(dir)) throw new SharpTuneException($"{dir}: model folder not found");
        var config = ModelConfig.Load(Path.Combine(dir, "config.json"));
        var sources = WeightSources(dir);
        var model = Create(config, device, dtype);
        try
        {
            LoadWeights(model, sources, warnings);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>Maps every stored tensor name to the safetensors file that holds it.</summary>
    private static Dictionary<string, SafeTensorsFile> WeightSources(string dir)
    {
        var single = Path.Combine(dir, WeightsFile);
        var index = Path.Combine(dir, IndexFile);
        var map = new Dictionary<string, SafeTensorsFile>();
        if (File.Exists(single))
        {
            var f = SafeTensorsFile.Open(single);
            foreach (var k in f.Tensors.Keys) map[k] = f;
            return map;
        }
        if (!File.Exists(index))
            throw new SharpTuneException($"{dir}: no {WeightsFile} or {IndexFile} (only safetensors checkpoints are read; convert pytorch_model.bin first)");
        var indexFields = new JsonFields(JsonInput.LoadObject(index), index);
        var weightMap = indexFields.Obj("weight_map") ?? throw indexFields.Missing("weight_map", "an object mapping tensor names to shard files");
        var files = new Dictionary<string, SafeTensorsFile>();
        var shards = new JsonFields(weightMap, index, "weight_map.");
        foreach (var (name, _) in weightMap)
        {
            var file = shards.Str(name) ?? throw shards.Error(name, "a shard file name");
            // Refused before anything is opened: a shard outside the folder is never read.
            var shardPath = PathGuard.Resolve(dir, file, index, $"weight_map entry '{JsonInput.Clip(name)}'");
            if (!files.TryGetValue(shardPath, out var f)) files[shardPath] = f = SafeTensorsFile.Open(shardPath);
            if (!f.Contains(name)) throw new SharpTuneException($"{shardPath}: tensor '{JsonInput.Clip(name)}' listed in {IndexFile} is missing");
            map[name] = f;
        }
        return map;
    }

    private static void LoadWeights(CausalLM model, Dictionary<string, SafeTensorsFile> sources, List<string>? warnings)
    {
        var used = new HashSet<string>();
        string prefix = model.Config.Architecture == Architecture.Gpt2 ? "transformer." : "model.";
        using var _ = no_grad();
        foreach (var (name, param) in model.named_parameters())
        {
            // Some checkpoints (e.g. the original GPT-2) store the base model without its prefix.
            string key = sources.ContainsKey(name) ? name
                : name.StartsWith(prefix) && sources.ContainsKey(name[prefix.Length..]) ? name[prefix.Length..]
                : throw new SharpTuneException($"{FirstPath(sources)}: tensor '{name}' is missing (expected shape [{string.Join(",", param.shape)}] for model_type {model.Config.ModelType})");
            var file = sources[key];
            var info = file.Tensors[key];
            if (!SafeTensorsFile.IsFloat(info.DType))
                throw new SharpTuneException($"{file.Path}: tensor '{key}' is stored as {info.DType}; model weights must be floating point (F32, F16 or BF16)");
            if (!info.Shape.SequenceEqual(param.shape))
                throw new SharpTuneException($"{file.Path}: tensor '{key}' has shape [{string.Join(",", info.Shape)}], expected [{string.Join(",", param.shape)}]");
            using var t = file.Load(key);
            param.copy_(t);
            used.Add(key);
        }
        foreach (var key in sources.Keys.Where(k => !used.Contains(k)))
        {
            bool tiedHead = key == "lm_head.weight" && model.Config.TieWordEmbeddings;
            if (tiedHead || IgnorableSuffixes.Any(key.EndsWith)) continue;
            warnings?.Add($"unused tensor '{key}' in {sources[key].Path}");
        }
    }

    private static string FirstPath(Dictionary<string, SafeTensorsFile> sources) =>
        sources.Values.FirstOrDefault()?.Path ?? "weights";

    /// <summary>
    /// Writes config.json and model.safetensors (each atomically). Weights are stored in the config's
    /// torch_dtype unless <paramref name="dtype"/> says otherwise, so load→save of a BF16 checkpoint is bit-exact.
    /// </summary>
    public static void Save(CausalLM model, string dir, ScalarType? dtype = null)
    {
        Directory.CreateDirectory(dir);
        var storeAs = dtype ?? ParseDType(model.Config.TorchDtype);
        var raw = (JsonObject)model.Config.Raw.DeepClone();
        raw["torch_dtype"] = DTypeName(storeAs);
        var tensors = model.named_parameters().Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter.detach().to_type(storeAs)));
        SafeTensorsFile.Save(Path.Combine(dir, WeightsFile), tensors.ToList(), new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.WriteAllText(Path.Combine(dir, "config.json"), raw.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        // A stale index would shadow nothing (model.safetensors wins), but it would mislead readers.
        var index = Path.Combine(dir, IndexFile);
        if (File.Exists(index)) File.Delete(index);
    }

    /// <summary>
    /// HF's default initialisation, seeded: Linear/Embedding normal(0, std), biases 0, norms 1; GPT-2's
    /// residual projections (c_proj) use std/sqrt(2·layers).
    /// </summary>
    public static void Initialize(CausalLM model, long seed, double std = 0.02)
    {
        var gen = new Generator((ulong)seed, CPU);
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            bool isNorm = name.Contains("norm") || name.Contains(".ln_");
            if (name.EndsWith(".bias")) { p.zero_(); continue; }
            if (isNorm) { p.fill_(1.0); continue; }
            double s = model.Config.Architecture == Architecture.Gpt2 && name.EndsWith("c_proj.weight")
                ? std / Math.Sqrt(2.0 * model.Config.NumLayers) : std;
            using var cpu = torch.empty(p.shape, ScalarType.Float32).normal_(0, s, gen);
            p.copy_(cpu);
        }
    }
}
