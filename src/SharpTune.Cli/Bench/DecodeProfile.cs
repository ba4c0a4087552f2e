using System.Diagnostics;
using SharpTune.IO;
using SharpTune.Models;
using Spectre.Console;
using static TorchSharp.torch;

namespace SharpTune.Cli.Bench;

/// <summary>
/// A timing breakdown of one batch-1 decode step of a Llama/Qwen2 model: the step is run piece by piece with
/// the model's own modules (the same calls its forward makes, fused projections included when they apply),
/// with a clock around each piece. CPU kernels run synchronously, so the clock sees each piece's whole cost,
/// its fixed per-call overhead included. Each piece also shows the weight bytes it reads and the rate that
/// implies, which separates memory-bound matmuls from overhead-bound small ops.
/// Steps alternate between decoding as <see cref="Generation.TextGenerator"/> does (inside <see cref="CpuGemv.Decoding"/>:
/// the hand-written matrix-vector products, torch on one thread) and plain torch on all its threads, so both columns
/// share the machine's load of the moment. Fused q/k/v and gate/up projections are used in both.
/// </summary>
public static class DecodeProfile
{
    public static int Run(CausalLM model, int promptTokens, int steps, double bandwidthGBps)
    {
        if (model is not LlamaForCausalLM llama) throw new SharpTuneException("--profile: the decode profile covers Llama/Qwen2 models");
        var c = model.Config;
        var kernelTimes = new Dictionary<string, double>();
        var torchTimes = new Dictionary<string, double>();
        var times = kernelTimes;
        var bytes = new Dictionary<string, long>();
        var order = new List<string>();
        void Time(string name, Action body)
        {
            var sw = Stopwatch.StartNew();
            body();
            if (!order.Contains(name)) order.Add(name);
            times[name] = times.GetValueOrDefault(name) + sw.Elapsed.TotalSeconds;
        }
        long Bytes(Tensor t) => t.numel() * t.ElementSize;
        var layers = llama.model.layers.ToArray();
        bytes["q/k/v projection"] = layers.Sum(l => Bytes(l.self_attn.q_proj.weight) + Bytes(l.self_attn.k_proj.weight) + Bytes(l.self_attn.v_proj.weight));
        bytes["o projection"] = layers.Sum(l => Bytes(l.self_attn.o_proj.weight));
        bytes["gate/up projection"] = layers.Sum(l => Bytes(l.mlp.gate_proj.weight) + Bytes(l.mlp.up_proj.weight));
        bytes["down projection"] = layers.Sum(l => Bytes(l.mlp.down_proj.weight));
        bytes["output head"] = Bytes(model.OutputWeight);

        using var noGrad = no_grad();
        using var rope = new RotaryEmbedding(c, model.Device);
        using var cache = model.NewCache();
        var rng = new Random(0);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => (long)rng.Next(c.VocabSize)).ToArray();
        long next;
        using (var scope = NewDisposeScope())
            next = model.Forward(tensor(prompt, device: model.Device).unsqueeze(0), cache: cache, lastOnly: true)[0, -1].argmax().item<long>();

        double wholeKernel = 0, wholeTorch = 0;
        int warm = 2;
        for (int step = 0; step < 2 * steps + warm; step++)
        {
            if (step == warm) { kernelTimes.Clear(); torchTimes.Clear(); order.Clear(); wholeKernel = wholeTorch = 0; }
            bool withKernel = step % 2 == 0;
            times = withKernel ? kernelTimes : torchTimes;
            using var decoding = withKernel ? CpuGemv.Decoding() : null;
            var stepClock = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            long past = cache.Length;
            Tensor h = null!, cos = null!, sin = null!;
            AttentionMask mask = null!;
            Time("embedding, positions, rope tables, mask", () =>
            {
                h = model.EmbedTokens(tensor(new[] { next }, device: model.Device).unsqueeze(0));
                (cos, sin) = rope.Compute(arange(past, past + 1, dtype: ScalarType.Int64, device: model.Device).unsqueeze(0), h.dtype);
                mask = AttentionMask.Build(1, 1, past, null, c.SlidingWindow, model.DType, model.Device);
            });
            for (int i = 0; i < layers.Length; i++)
            {
                var layer = layers[i];
                var attn = layer.self_attn;
                Tensor x = null!, q = null!, k = null!, v = null!, a = null!, g = null!, u = null!;
                Time("RMS norms", () => x = layer.input_layernorm.forward(h));
                bool fused = attn.Fused;
                Tensor qkv = null!;
                Time("q/k/v projection", () =>
                {
                    if (fused) qkv = attn.JoinedProjections(x);
                    else (q, k, v) = (attn.q_proj.forward(x), attn.k_proj.forward(x), attn.v_proj.forward(x));
                });
                Time("rotary embedding", () =>
                {
                    // As LlamaAttention.Forward: fused, one rotary pass over the q and k heads side by side.
                    if (fused)
                    {
                        long qk = (c.NumHeads + c.NumKvHeads) * c.HeadDim;
                        var heads = RotaryEmbedding.Apply(qkv.narrow(-1, 0, qk).view(1, 1, c.NumHeads + c.NumKvHeads, c.HeadDim).transpose(1, 2), cos, sin);
                        (q, k) = (heads.narrow(1, 0, c.NumHeads), heads.narrow(1, c.NumHeads, c.NumKvHeads));
                        v = qkv.narrow(-1, qk, c.NumKvHeads * c.HeadDim).view(1, 1, c.NumKvHeads, c.HeadDim).transpose(1, 2);
                        return;
                    }
                    q = RotaryEmbedding.Apply(q.view(1, 1, c.NumHeads, c.HeadDim).transpose(1, 2), cos, sin);
                    k = RotaryEmbedding.Apply(k.view(1, 1, c.NumKvHeads, c.HeadDim).transpose(1, 2), cos, sin);
                    v = v.view(1, 1, c.NumKvHeads, c.HeadDim).transpose(1, 2);
                });
                Time("attention (cache append, scores, softmax, values)", () => a = AttentionCore.Attend(q, k, v, i, cache, mask, 0.0));
                Time("o projection", () => a = attn.o_proj.forward(a));
                Time("residual adds", () => h = h + a);
                Time("RMS norms", () => x = layer.post_attention_layernorm.forward(h));
                Time("gate/up projection", () =>
                {
                    if (layer.mlp.Fused) { var p = layer.mlp.Projections(x); (g, u) = (p[0], p[1]); }
                    else (g, u) = (layer.mlp.gate_proj.forward(x), layer.mlp.up_proj.forward(x));
                });
                Time("activation × up", () => g = layer.mlp.Activate(g) * u);
                Time("down projection", () => a = layer.mlp.down_proj.forward(g));
                Time("residual adds", () => h = h + a);
            }
            Tensor logits = null!;
            Time("RMS norms", () => h = llama.model.norm.forward(h));
            Time("output head", () => logits = CpuGemv.Linear(h, model.OutputWeight, null));
            Time("argmax to host", () => next = logits[0, -1].argmax().item<long>());
            if (withKernel) wholeKernel += stepClock.Elapsed.TotalSeconds; else wholeTorch += stepClock.Elapsed.TotalSeconds;
        }
        double total = kernelTimes.Values.Sum();
        var table = new Table().AddColumn("piece of a decode step").AddColumn("ms/token").AddColumn("share").AddColumn("weights read").AddColumn("rate")
            .AddColumn("torch alone ms/token").AddColumn("with kernel / torch");
        foreach (var name in order.OrderByDescending(n => kernelTimes[n]))
        {
            double ms = kernelTimes[name] / steps * 1e3, torchMs = torchTimes[name] / steps * 1e3;
            string rate = bytes.TryGetValue(name, out var b) ? $"{b / (kernelTimes[name] / steps) / 1e9:F1} GB/s" : "";
            table.AddRow(name, $"{ms:F2}", $"{kernelTimes[name] / total:P0}", bytes.TryGetValue(name, out var b2) ? $"{b2 / 1e6:F0} MB" : "", rate,
                $"{torchMs:F2}", $"{ms / torchMs:F2}x");
        }
        table.AddRow("sum of pieces", $"{total / steps * 1e3:F2}", "100 %", $"{bytes.Values.Sum() / 1e6:F0} MB", $"{bytes.Values.Sum() / (total / steps) / 1e9:F1} GB/s",
            $"{torchTimes.Values.Sum() / steps * 1e3:F2}", $"{total / torchTimes.Values.Sum():F2}x");
        table.AddRow("whole step (clock around it)", $"{wholeKernel / steps * 1e3:F2}", "", "", $"{1 / (wholeKernel / steps):F1} tokens/s",
            $"{wholeTorch / steps * 1e3:F2}", $"{wholeKernel / wholeTorch:F2}x");
        table.AddRow("bandwidth limit", $"{bytes.Values.Sum() / (bandwidthGBps * 1e9) * 1e3:F2}", "", "", $"{bandwidthGBps:F1} GB/s measured", "", "");
        Output.Current().Write(table);
        Console.WriteLine($"{c.ModelType}, {model.ParameterCount() / 1e6:F1}M params, batch 1, {steps} decode steps with the CpuGemv kernel (torch on 1 thread) and {steps} with torch alone, alternating, after a {promptTokens}-token prompt, {get_num_threads()} threads (kernel: {GemvWorkers.ForThreads(get_num_threads()).Parts}); fusable: q/k/v {layers[0].self_attn.Fused}, gate/up {layers[0].mlp.Fused}");
        return 0;
    }
}
