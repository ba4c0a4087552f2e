using System.Text.Json.Nodes;
using SharpTune.Data;
using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

/// <summary>
/// A tiny Llama with a byte-level BPE tokenizer trained here on real Debian descriptions (dev split), built
/// once per test run: small enough that every method trains in seconds.
/// </summary>
public static class TinyFixture
{
    private static readonly Lazy<string> Dir = new(Build);
    public static string ModelDir => Dir.Value;

    public static string DataFile(int lines, int skip = 0)
    {
        var path = Path.Combine(Shared.TempDir(), $"pairs-{lines}-{skip}.jsonl");
        File.WriteAllLines(path, File.ReadLines(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl")).Skip(skip).Take(lines));
        return path;
    }

    private static string Build()
    {
        var dir = Shared.TempDir();
        var pairs = JsonlReader.ReadPairs(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl"), limit: 400);
        BpeTrainer.Train(pairs.Select(DebianStanza.Format), new BpeTrainerOptions { VocabSize = 600 }, dir);
        var config = ModelPresets.Config("llama", "tiny");
        config["vocab_size"] = 600;
        config["eos_token_id"] = 0;
        config["max_position_embeddings"] = 1024;
        using var model = ModelIO.Create(ModelConfig.FromJson(config));
        ModelIO.Initialize(model, 0);
        ModelIO.Save(model, dir);
        return dir;
    }
}
