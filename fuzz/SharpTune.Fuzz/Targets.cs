using SharpTune.Adapters;
using SharpTune.Cli;
using SharpTune.Data;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Fuzz;

/// <summary>
/// One fuzz target per file parser. Each writes the input under the file name the parser expects (next to
/// fixed, valid companion files) and parses it. A <see cref="SharpTuneException"/> with a one-line message is
/// the promised outcome for bad input; any other exception escapes and afl records the input as a crash.
/// </summary>
public static class Targets
{
    /// <summary>A valid tokenizer folder (tokenizer.json + tokenizer_config.json) that targets use as a companion.</summary>
    public static string CompanionTokenizer { get; set; } =
        Environment.GetEnvironmentVariable("SHARPTUNE_FUZZ_TOKENIZER") ?? Path.Combine(AppContext.BaseDirectory, "seeds-tokenizer");

    // Loaded once per process: parsing the 550 KB tokenizer.json for every input cut the JSONL target to ~80 runs/s.
    private static readonly Lazy<Tokenizer> Companion = new(() => Tokenizer.Load(CompanionTokenizer));

    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["safetensors"] = input => InFolder("model.safetensors", input, (dir, path) =>
        {
            var f = SafeTensorsFile.Open(path);
            _ = f.Tensors.Count;
        }),
        ["config"] = input => InFolder("config.json", input, (_, path) => ModelConfig.Load(path)),
        ["generation-config"] = input => InFolder("generation_config.json", input, (dir, _) => GenerationConfig.EosIds(dir)),
        ["tokenizer"] = input => InFolder("tokenizer.json", input, (dir, _) =>
        {
            var tok = Tokenizer.Load(dir);
            var ids = tok.Encode("Fuzzing: déjà vu 12345 <|im_start|> ünïcödé 😀", addSpecialTokens: true);
            _ = tok.Decode(ids);
        }, withTokenizerConfig: true),
        ["tokenizer-config"] = input => InFolder("tokenizer_config.json", input, (dir, _) =>
        {
            var tok = Tokenizer.Load(dir);
            _ = tok.Decode(tok.Encode("hello world", addSpecialTokens: true));
        }, withTokenizerJson: true),
        ["adapter-config"] = input => InFolder(PeftConfig.FileName, input, (dir, _) => PeftConfig.Load(dir)),
        ["jsonl"] = input => InFolder("train.jsonl", input, (_, path) =>
        {
            SftDataset.Load(path, Companion.Value, new SftDataOptions { MaxLength = 256 });
        }),
        ["options"] = input => InFolder("options.json", input, (_, path) =>
        {
            ConfigFile.Expand(["train", "--config", path, "--out", "x"]);
        }),
    };

    /// <summary>What afl runs: the one-line error is a pass; anything else (a multi-line or empty message too) escapes as a crash.</summary>
    public static void Run(Action<byte[]> target, byte[] input)
    {
        try { target(input); }
        catch (SharpTuneException e) when (!e.Message.Contains('\n') && e.Message.Length > 0) { }
    }

    /// <summary>Runs one input and names its outcome: ok, the one-line error, or CRASH with the exception.</summary>
    public static string Classify(Action<byte[]> target, byte[] input)
    {
        try
        {
            target(input);
            return "ok";
        }
        catch (SharpTuneException e) when (!e.Message.Contains('\n') && e.Message.Length > 0)
        {
            return "error: " + e.Message;
        }
        catch (Exception e)
        {
            return $"CRASH {e.GetType().FullName}: {e.Message.Split('\n')[0]}";
        }
    }

    private static void InFolder(string fileName, byte[] input, Action<string, string> parse,
                                 bool withTokenizerConfig = false, bool withTokenizerJson = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"sharptune-fuzz-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(dir)) File.Delete(f);
        try
        {
            if (withTokenizerConfig) Copy(Tokenizer.ConfigFileName, dir);
            if (withTokenizerJson) Copy(Tokenizer.FileName, dir);
            var path = Path.Combine(dir, fileName);
            File.WriteAllBytes(path, input);
            parse(dir, path);
        }
        finally
        {
            foreach (var f in Directory.GetFiles(dir)) File.Delete(f);
        }
    }

    private static void Copy(string name, string dir)
    {
        var from = Path.Combine(CompanionTokenizer, name);
        if (File.Exists(from)) File.Copy(from, Path.Combine(dir, name), overwrite: true);
    }
}
