using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace SharpTune.Cli.Bench;

/// <summary>
/// Greedy generation through llama.cpp (LLamaSharp's CPU backend) on a GGUF file, timed like SharpTune's:
/// the prompt in one batch (prefill, up to the first token), then one token per decode call. llama.cpp's own
/// defaults otherwise (f16 KV cache, flash attention as it chooses): what a user of it runs.
/// </summary>
public sealed class LlamaCppRunner : IDisposable
{
    private readonly ModelParams _params;
    private readonly LLamaWeights _weights;

    public LlamaCppRunner(string ggufPath, int threads, int contextSize)
    {
        // llama.cpp logs every metadata key while loading; only its errors belong on the bench's output.
        NativeLogConfig.llama_log_set((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); });
        _params = new ModelParams(ggufPath)
        {
            ContextSize = (uint)contextSize, BatchSize = (uint)contextSize, UBatchSize = (uint)contextSize,
            Threads = threads, BatchThreads = threads, GpuLayerCount = 0,
        };
        _weights = LLamaWeights.LoadFromFile(_params);
    }

    public DecodeTiming Generate(int[] prompt, int newTokens)
    {
        using var ctx = _weights.CreateContext(_params);
        var batch = new LLamaBatch();
        for (int i = 0; i < prompt.Length; i++) batch.Add((LLamaToken)prompt[i], i, LLamaSeqId.Zero, i == prompt.Length - 1);
        var tokens = new int[newTokens];
        var sw = Stopwatch.StartNew();
        double prefill = 0;
        for (int step = 0; step < newTokens; step++)
        {
            if (ctx.NativeHandle.Decode(batch) != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed at step {step}");
            var logits = ctx.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
            int next = ArgMax(logits);
            tokens[step] = next;
            if (step == 0) prefill = sw.Elapsed.TotalSeconds;
            batch.Clear();
            batch.Add((LLamaToken)next, prompt.Length + step, LLamaSeqId.Zero, true);
        }
        double total = sw.Elapsed.TotalSeconds;
        return new DecodeTiming(prompt.Length, prefill, newTokens - 1, total - prefill, tokens);
    }

    private static int ArgMax(Span<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    public void Dispose() => _weights.Dispose();
}
