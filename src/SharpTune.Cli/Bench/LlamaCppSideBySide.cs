using System.Diagnostics;
using SharpTune.Cli;
using SharpTune.Export;
using SharpTune.Generation;
using SharpTune.Models;
using Spectre.Console;

namespace SharpTune.Cli.Bench;

/// <summary>
/// `bench generate --vs-llamacpp`: the same weights through SharpTune and through llama.cpp (GGUF f32 in a temp
/// folder, LLamaSharp's CPU backend), same thread count, alternating SharpTune, llama.cpp, SharpTune, … so load
/// from other processes hits both alike; ratios are taken per round. A read-bandwidth probe gives the decode
/// ceiling: every weight is read once per token, so tokens/s ≤ bandwidth ÷ weight bytes.
/// </summary>
public static class LlamaCppSideBySide
{
    public static int Run(CausalLM model, string? modelDir, string shapeName, int promptTokens, int newTokens, int rounds, int threads, CancellationToken cancel)
    {
        var config = model.Config;
        var dir = Directory.CreateTempSubdirectory("sharptune-vs-llamacpp").FullName;
        try
        {
            var gguf = Path.Combine(dir, "model-f32.gguf");
            if (modelDir is not null) GgufExporter.Export(model, modelDir, gguf, GgufTensorType.F32);
            else GgufExporter.Export(model, GgufTokenizer.Synthetic(config), shapeName, gguf, GgufTensorType.F32, Path.GetFileNameWithoutExtension(shapeName));

            var rng = new Random(0);
            var prompt = Enumerable.Range(0, promptTokens).Select(_ => rng.Next(config.VocabSize)).ToArray();
            int context = Math.Max(256, (promptTokens + newTokens + 255) / 256 * 256);
            using var llama = new LlamaCppRunner(gguf, threads, context);
            var gen = new TextGenerator(model);

            // Warm-up of both (allocators, kernels, page cache of the mapped file), not timed.
            Ours(gen, prompt, Math.Min(newTokens, 8), cancel);
            llama.Generate(prompt, Math.Min(newTokens, 8));

            var ours = new List<DecodeTiming>();
            var theirs = new List<DecodeTiming>();
            for (int r = 0; r < rounds; r++)
            {
                cancel.ThrowIfCancellationRequested();
                ours.Add(Ours(gen, prompt, newTokens, cancel));
                theirs.Add(llama.Generate(prompt, newTokens));
            }
            double bandwidth = BandwidthProbe.ReadGBps(threads);
            long weightBytes = WeightBytesPerToken(model);
            double limit = bandwidth * 1e9 / weightBytes;

            double Median(IEnumerable<double> xs) { var a = xs.OrderBy(x => x).ToArray(); return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2; }
            string Spread(IEnumerable<double> xs) { var a = xs.ToArray(); return $"{Median(a):F2}x (min {a.Min():F2}, max {a.Max():F2})"; }
            var oursDecode = Median(ours.Select(o => o.DecodeTokensPerSecond));
            var theirsDecode = Median(theirs.Select(o => o.DecodeTokensPerSecond));
            int agree = ours[^1].Tokens.Zip(theirs[^1].Tokens).TakeWhile(p => p.First == p.Second).Count();

            var table = new Table().AddColumn("measure").AddColumn("SharpTune").AddColumn("llama.cpp").AddColumn("SharpTune / llama.cpp");
            table.AddRow("decode tokens/s (median)", $"{oursDecode:F1}", $"{theirsDecode:F1}",
                Spread(ours.Zip(theirs, (a, b) => a.DecodeTokensPerSecond / b.DecodeTokensPerSecond)));
            table.AddRow("prefill tokens/s (median)", $"{Median(ours.Select(o => o.PrefillTokensPerSecond)):F1}", $"{Median(theirs.Select(o => o.PrefillTokensPerSecond)):F1}",
                Spread(ours.Zip(theirs, (a, b) => a.PrefillTokensPerSecond / b.PrefillTokensPerSecond)));
            table.AddRow("decode / bandwidth limit", $"{oursDecode / limit:P0}", $"{theirsDecode / limit:P0}", "");
            Output.Current().Write(table);
            var info = new Table().AddColumn("measure").AddColumn("value");
            info.AddRow("shape", $"{Path.GetFileName(shapeName.TrimEnd('/'))} ({model.ParameterCount() / 1e6:F1}M params, {config.ModelType}{(modelDir is null ? ", random weights" : "")})");
            info.AddRow("workload", $"batch 1, prompt {promptTokens}, {newTokens} new tokens, greedy, fp32 weights, {threads} threads; {rounds} rounds alternating SharpTune, llama.cpp");
            info.AddRow("llama.cpp", $"LLamaSharp 0.30 CPU backend, GGUF f32 ({new FileInfo(gguf).Length / 1e6:F0} MB), its default f16 KV cache");
            info.AddRow("read bandwidth", $"{bandwidth:F1} GB/s (best of 5 passes over 512 MiB, {threads} threads)");
            info.AddRow("weights read per token", $"{weightBytes / 1e6:F0} MB → limit {limit:F1} tokens/s");
            info.AddRow("greedy tokens agree", $"first {agree} of {newTokens} (last round)");
            info.AddRow("peak RSS (both)", PeakMemory.Format(PeakMemory.PeakRssBytes()));
            Output.Current().Write(info);
            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static DecodeTiming Ours(TextGenerator gen, int[] prompt, int newTokens, CancellationToken cancel)
    {
        double first = 0;
        var sw = Stopwatch.StartNew();
        var result = gen.Generate([prompt], new GenerationOptions { MaxNewTokens = newTokens, EosTokenIds = [] },
            onToken: (_, _) => { if (first == 0) first = sw.Elapsed.TotalSeconds; }, cancel: cancel)[0];
        double total = sw.Elapsed.TotalSeconds;
        return new DecodeTiming(prompt.Length, first, newTokens - 1, total - first, result.Tokens);
    }

    /// <summary>
    /// Bytes a decode step must read: every matrix once (the output head included, which is the embedding when
    /// tied); an untied embedding table is read one row per token, so it does not count. The KV cache (a few MB at
    /// these lengths) is left out.
    /// </summary>
    public static long WeightBytesPerToken(CausalLM model)
    {
        long bytes = model.named_parameters().Sum(p => p.parameter.numel() * p.parameter.ElementSize);
        if (!model.Config.TieWordEmbeddings) bytes -= (long)model.Config.VocabSize * model.Config.HiddenSize * model.OutputWeight.ElementSize;
        return bytes;
    }
}
