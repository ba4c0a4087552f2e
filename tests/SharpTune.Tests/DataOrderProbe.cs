using System.Security.Cryptography;
using SharpTune.Data;
using SharpTune.Tokenization;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// What decides a run's data order and randomness, as text: a fingerprint of every batch the fine-tuning and
/// pretraining sources give, and the dropout draws the trainer's per-micro-batch seeding produces. The test
/// assembly's entry point prints it, so a test can compare a second process's answer with its own.
/// </summary>
public static class DataOrderProbe
{
    public const string Command = "data-order";

    public static List<string> Describe(string tokenizerDir, string dataPath, int seed, int batches)
    {
        var lines = new List<string>();
        var tok = Tokenizer.Load(tokenizerDir);
        var examples = SftDataset.Load(dataPath, tok, new SftDataOptions { MaxLength = 256, Overflow = "truncate" });
        int pad = tok.PadTokenId ?? tok.EosTokenId ?? 0;
        foreach (bool packing in new[] { false, true })
        {
            var source = new SftBatchSource(examples, 2, pad, packing, 256, seed, CPU);
            for (long i = 0; i < batches; i++) lines.Add($"sft packing={packing} {i}: {Fingerprint(source.Get(i))}");
        }
        var packed = new PackedLmSource(examples.Select(e => e.Flatten().Ids), 0, 16, 2, seed, CPU);
        for (long i = 0; i < batches; i++) lines.Add($"pretrain {i}: {Fingerprint(packed.Get(i))}");
        for (long i = 0; i < 3; i++)
        {
            // The trainer seeds torch before every micro-batch: dropout masks must replay in any process.
            manual_seed(seed * 1_000_003L + i);
            lines.Add($"dropout {i}: {string.Join(",", rand(6).data<float>().ToArray().Select(BitConverter.SingleToInt32Bits))}");
        }
        return lines;
    }

    private static string Fingerprint(TrainBatch b)
    {
        var bytes = b.InputIds.data<long>().ToArray().Concat(b.Labels.data<long>().ToArray()).SelectMany(BitConverter.GetBytes).ToArray();
        return $"[{string.Join("x", b.InputIds.shape)}] {Convert.ToHexString(SHA256.HashData(bytes))[..16]}";
    }
}
