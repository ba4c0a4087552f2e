using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Fuzzing;

/// <summary>The library's file parsers as fuzz targets, seeded with the real files in ../shared and the shipped base.</summary>
public static class ParserTargets
{
    private static readonly string[] Models = ["llama-tiny", "qwen2-tiny", "gpt2-tiny"];
    private static readonly string[] Adapters = ["lora-r8", "rslora-r4", "prompt-tuning", "p-tuning", "prefix-tuning"];
    private static string BaseModel => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");

    public static IReadOnlyList<FuzzTarget> All() =>
        [SafeTensors(), Config(), GenerationConfigTarget(), TokenizerJson(), TokenizerConfig(), AdapterConfig(), TrainingJsonl(), OptionsFile()];

    /// <summary>
    /// A `--config` options file, expanded for train and pretrain and then parsed and validated by the real command
    /// line (with --help, so no work runs): unknown keys, wrong types and out-of-range values are one-line errors.
    /// </summary>
    public static FuzzTarget OptionsFile() => new(
        "--config options",
        [("train", """{"method": "lora", "rank": 16, "alpha": 32, "targets": ["q_proj", "v_proj"], "lr": 2e-3, "packing": true, "max_steps": 100, "seed": 3}"""u8.ToArray()),
         ("pretrain", """{"lr": 1e-3, "max_steps": 10, "block_size": 256, "warmup": 2, "schedule": "cosine"}"""u8.ToArray())],
        (dir, bytes, seed) =>
        {
            var path = Path.Combine(dir, "options.json");
            File.WriteAllBytes(path, bytes);
            var expanded = SharpTune.Cli.ConfigFile.Expand([seed, "--config", path, "--out", Path.Combine(dir, "out")]);
            // Expansion is the parser under test; a value it let through must then be one the command rejects in one
            // line or accepts: run the command's own option checks (Spectre binding + Validate) through the CLI.
            var (code, _, err) = CliRunner.Run([.. expanded, "--model", "/nonexistent/model", "--data", "/nonexistent/data.jsonl", "--tokenizer", "/nonexistent/tok"]);
            if (code == 2 && err.Trim().Split('\n').Length == 1) throw new SharpTuneException(err.Trim());
            if (code is not (0 or 2)) throw new InvalidOperationException($"exit {code}: {err}");
        });

    private static (string, byte[]) Seed(string name, string path) => (name, File.ReadAllBytes(path));

    /// <summary>safetensors: the header is mutated (as JSON, then re-framed with its length) or the raw file.</summary>
    public static FuzzTarget SafeTensors() => new(
        "safetensors",
        [Seed("llama-tiny", Shared.Golden("llama-tiny", "model.safetensors")), Seed("lora-r8", Shared.Golden("peft", "lora-r8", "adapter_model.safetensors")),
         Seed("prompt-tuning", Shared.Golden("peft", "prompt-tuning", "adapter_model.safetensors"))],
        (dir, bytes, seed) =>
        {
            var path = Path.Combine(dir, ModelIO.WeightsFile);
            File.WriteAllBytes(path, bytes);
            if (seed == "llama-tiny")
            {
                File.Copy(Shared.Golden("llama-tiny", "config.json"), Path.Combine(dir, "config.json"));
                using var model = ModelIO.Load(dir);
                return;
            }
            var f = SafeTensorsFile.Open(path);
            foreach (var name in f.Tensors.Keys) f.Load(name).Dispose();
        })
    {
        Mutate = (m, bytes, rng) =>
        {
            if (rng.Next(4) == 0) return m.Mutate(bytes, rng);
            long len = BinaryPrimitives.ReadInt64LittleEndian(bytes);
            var header = m.MutateJson(bytes[8..(int)(8 + len)], rng);
            var result = new byte[8 + header.Length + bytes.Length - 8 - len];
            BinaryPrimitives.WriteInt64LittleEndian(result, header.Length);
            header.CopyTo(result, 8);
            bytes.AsSpan((int)(8 + len)).CopyTo(result.AsSpan(8 + header.Length));
            return result;
        },
    };

    /// <summary>config.json, parsed and (for small enough configs) loaded with the golden weights.</summary>
    public static FuzzTarget Config() => new(
        "config.json",
        [.. Models.Select(m => Seed(m, Shared.Golden(m, "config.json"))), Seed("sharptune-base", Path.Combine(BaseModel, "config.json"))],
        (dir, bytes, seed) =>
        {
            var path = Path.Combine(dir, "config.json");
            File.WriteAllBytes(path, bytes);
            var config = ModelConfig.Load(path);
            if (seed == "sharptune-base" || config.ParameterCount() > 2e6) return;
            File.CreateSymbolicLink(Path.Combine(dir, ModelIO.WeightsFile), Shared.Golden(seed, ModelIO.WeightsFile));
            using var model = ModelIO.Load(dir);
        });

    public static FuzzTarget GenerationConfigTarget() => new(
        "generation_config.json",
        [.. Models.Select(m => Seed(m, Shared.Golden(m, "generation_config.json"))), Seed("sharptune-base", Path.Combine(BaseModel, "generation_config.json")),
         ("sampling", """{"do_sample": true, "temperature": 0.7, "top_p": 0.9, "top_k": 50, "repetition_penalty": 1.1, "max_new_tokens": 256, "eos_token_id": [1, 2], "pad_token_id": 0}"""u8.ToArray())],
        (dir, bytes, _) =>
        {
            File.WriteAllBytes(Path.Combine(dir, GenerationConfig.FileName), bytes);
            GenerationConfig.Load(dir);
        });

    private const string Sample = "Hello world! 123 héllo\tthere <s> </s> <|im_start|> 𝐇 ünïcödé\n\n  x";

    /// <summary>tokenizer.json: loaded, then used to encode and decode a sample.</summary>
    public static FuzzTarget TokenizerJson() => new(
        "tokenizer.json",
        SmallTokenizers.Seeds.Select(s => (s.Name, s.TokenizerJson)).ToList(),
        (dir, bytes, _) =>
        {
            var path = Path.Combine(dir, Tokenizer.FileName);
            File.WriteAllBytes(path, bytes);
            var tok = Tokenizer.Load(path);
            Exercise(tok);
        });

    /// <summary>tokenizer_config.json beside a valid (small) tokenizer.json.</summary>
    public static FuzzTarget TokenizerConfig() => new(
        "tokenizer_config.json",
        SmallTokenizers.Seeds.Where(s => s.ConfigJson is not null).Select(s => (s.Name, s.ConfigJson!)).ToList(),
        (dir, bytes, seed) =>
        {
            File.WriteAllBytes(Path.Combine(dir, Tokenizer.FileName), SmallTokenizers.Seeds.First(s => s.Name == seed).TokenizerJson);
            File.WriteAllBytes(Path.Combine(dir, Tokenizer.ConfigFileName), bytes);
            var tok = Tokenizer.Load(dir);
            _ = (tok.BosTokenId, tok.EosTokenId, tok.PadTokenId, tok.ChatTemplate);
            Exercise(tok);
            if (tok.ChatTemplate is not null)
                tok.Render([new ChatMessage("system", "be brief"), new ChatMessage("user", "hi"), new ChatMessage("assistant", "hello")], addGenerationPrompt: true);
        });

    private static void Exercise(Tokenizer tok)
    {
        var ids = tok.Encode(Sample);
        tok.Decode(ids);
        tok.Decode(ids, skipSpecialTokens: true);
    }

    /// <summary>adapter_config.json beside the golden adapter weights, loaded onto llama-tiny.</summary>
    public static FuzzTarget AdapterConfig() => new(
        "adapter_config.json",
        Adapters.Select(a => Seed(a, Shared.Golden("peft", a, PeftConfig.FileName))).ToList(),
        (dir, bytes, seed) =>
        {
            File.WriteAllBytes(Path.Combine(dir, PeftConfig.FileName), bytes);
            File.CreateSymbolicLink(Path.Combine(dir, AdapterIO.WeightsFile), Shared.Golden("peft", seed, AdapterIO.WeightsFile));
            var config = PeftConfig.Load(dir);
            using var baseModel = ModelIO.Load(Shared.Golden("llama-tiny"));
            using var adapted = AdapterIO.Load(dir, baseModel);
        });

    private static readonly Lazy<Tokenizer> BaseTokenizer = new(() => Tokenizer.Load(BaseModel));

    /// <summary>Training JSONL (pairs, Alpaca and chat lines) through SftDataset with the shipped base's tokenizer.</summary>
    public static FuzzTarget TrainingJsonl()
    {
        var lines = File.ReadLines(Path.Combine(Shared.Root, "data", "debian-descriptions", "train.jsonl")).Take(3).ToList();
        lines.Add("""{"instruction": "Summarise the package.", "input": "A tool that converts files.", "output": "file converter"}""");
        lines.Add("""{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is bash?"}, {"role": "assistant", "content": "A shell."}]}""");
        var all = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
        return new FuzzTarget(
            "training JSONL",
            [("train+alpaca+chat", all), ("chat", Encoding.UTF8.GetBytes(lines[^1] + "\n")), ("pairs", Encoding.UTF8.GetBytes(lines[0] + "\n"))],
            (dir, bytes, _) =>
            {
                var path = Path.Combine(dir, "train.jsonl");
                File.WriteAllBytes(path, bytes);
                SftDataset.Load(path, BaseTokenizer.Value, new SftDataOptions());
            })
        {
            // Mutate one line as JSON (lines are what the parser reads), or the whole file as bytes.
            Mutate = (m, bytes, rng) =>
            {
                if (rng.Next(3) == 0) return m.Mutate(bytes, rng);
                var split = Encoding.UTF8.GetString(bytes).Split('\n');
                int k = rng.Next(Math.Max(1, split.Length - 1));
                var mutated = m.MutateJson(Encoding.UTF8.GetBytes(split[k]), rng);
                var before = Encoding.UTF8.GetBytes(string.Join("\n", split[..k]) + (k > 0 ? "\n" : ""));
                var after = Encoding.UTF8.GetBytes("\n" + string.Join("\n", split[(k + 1)..]));
                return [.. before, .. mutated, .. after];
            },
        };
    }
}
