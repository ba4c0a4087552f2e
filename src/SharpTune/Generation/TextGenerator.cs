using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Generation;

/// <summary>
/// Autoregressive decoding over a batch of prompts of different lengths: prompts are left-padded with an
/// attention mask, so each row sees exactly what it would see alone. Every step runs in its own dispose
/// scope; only the KV cache outlives a step.
/// </summary>
public sealed class TextGenerator(ILanguageModel model, Func<IReadOnlyList<int>, string>? decode = null)
{
    /// <param name="onToken">Called with (row, token) as each token is chosen, for streaming.</param>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<int[]> prompts, GenerationOptions options,
        Action<int, int>? onToken = null, CancellationToken cancel = default)
    {
        options.Validate();
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Length == 0)) throw new SharpTuneException("every prompt needs at least one token");
        if (options.StopStrings.Count > 0 && decode is null) throw new SharpTuneException("stop strings need a tokenizer to decode with");
        int batch = prompts.Count;
        var eos = (options.EosTokenIds ?? model.Config.EosTokenIds).ToHashSet();
        var rows = prompts.Select(p => new List<int>(p)).ToArray();
        var generated = prompts.Select(_ => new List<int>()).ToArray();
        var reasons = new string?[batch];
        int promptMax = prompts.Max(p => p.Length);
        var rng = new Generator((ulong)(options.Seed ?? Random.Shared.NextInt64()), CPU);

        // Decoding never differentiates: without this every step records an autograd graph over the weights.
        using var noGrad = no_grad();
        using var cache = options.UseCache ? model.NewCache(batch) : null;
        // One row, one token per step: the decode steps run in the matrix-vector kernel's scope (CpuGemv says why).
        using var decoding = new DecodingScope();
        for (int step = 0; step < options.MaxNewTokens && reasons.Any(r => r is null); step++)
        {
            if (step == 1 && batch == 1 && cache is not null) decoding.Enter();
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            // Row i is left-padded by promptMax - prompt length; later tokens are aligned.
            int total = promptMax + step;
            var mask = new long[batch, total];
            for (int b = 0; b < batch; b++)
                for (int j = promptMax - prompts[b].Length; j < total; j++) mask[b, j] = 1;
            Tensor input;
            if (cache is null || step == 0)
            {
                var ids = new long[batch, total];
                for (int b = 0; b < batch; b++)
                {
                    int pad = promptMax - prompts[b].Length;
                    for (int j = 0; j < total; j++) ids[b, j] = j < pad ? options.PadTokenId : rows[b][j - pad];
                }
                input = tensor(ids, device: model.Device);
            }
            else
            {
                input = tensor(rows.Select(r => (long)r[^1]).ToArray(), device: model.Device).unsqueeze(1);
            }
            // Only the last position is read: the model runs its output head there alone.
            var logits = model.Logits(input, tensor(mask, device: model.Device), cache, lastOnly: true);
            var last = logits.select(1, -1).to_type(ScalarType.Float32);
            var next = Choose(last, rows, options, rng).cpu().data<long>().ToArray();

            for (int b = 0; b < batch; b++)
            {
                // Finished rows keep decoding padding so the batch stays rectangular; it is never reported.
                if (reasons[b] is not null) { rows[b].Add(options.PadTokenId); continue; }
                int token = (int)next[b];
                rows[b].Add(token);
                generated[b].Add(token);
                onToken?.Invoke(b, token);
                if (eos.Contains(token)) reasons[b] = "eos";
                else if (options.StopStrings.Count > 0 && options.StopStrings.Any(decode!(generated[b]).Contains)) reasons[b] = "stop";
            }
        }
        return Enumerable.Range(0, batch).Select(b => Finish(generated[b], reasons[b] ?? "length", options)).ToArray();
    }

    private GenerationResult Finish(List<int> tokens, string reason, GenerationOptions options)
    {
        if (decode is null) return new GenerationResult(tokens.ToArray(), reason, null);
        var body = reason == "eos" ? tokens.Take(tokens.Count - 1).ToList() : tokens;
        var text = decode(body);
        if (reason == "stop")
        {
            int cut = options.StopStrings.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(text.Length).Min();
            text = text[..cut];
        }
        return new GenerationResult(tokens.ToArray(), reason, text);
    }

    private static Tensor Choose(Tensor logits, List<int>[] rows, GenerationOptions o, Generator rng)
    {
        if (o.RepetitionPenalty != 1.0)
        {
            int width = rows.Max(r => r.Count);
            var seen = new long[rows.Length, width];
            // Rows are padded with their own first token: a repeated index is harmless to gather/scatter.
            for (int b = 0; b < rows.Length; b++)
                for (int j = 0; j < width; j++) seen[b, j] = j < rows[b].Count ? rows[b][j] : rows[b][0];
            logits = LogitsProcessing.RepetitionPenalty(logits, tensor(seen, device: logits.device), o.RepetitionPenalty);
        }
        if (!o.DoSample) return logits.argmax(1);
        logits = logits / o.Temperature;
        logits = LogitsProcessing.TopK(logits, o.TopK);
        logits = LogitsProcessing.TopP(logits, o.TopP);
        var probs = logits.softmax(1).cpu();
        return probs.multinomial(1, generator: rng).squeeze(1);
    }
}
