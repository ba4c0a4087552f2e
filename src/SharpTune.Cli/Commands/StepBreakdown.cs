using System.Diagnostics;
using SharpTune.Adapters;
using SharpTune.Models;
using SharpTune.Training;
using static TorchSharp.torch;

namespace SharpTune.Cli.Commands;

/// <summary>
/// Where one training step's time goes (TorchSharp has no operator profiler): the decoder body, the output head with
/// the loss (<see cref="ChunkedCrossEntropy"/>, as training computes it: head, log-softmax and the head's input
/// gradient in one pass), the backward of that, the backward of the body, and clipping + AdamW.
/// The backward is split by cutting the graph at the final hidden states (a detached leaf feeds the head, and its
/// gradient is then pushed through the body), which gives the same gradients as one backward.
/// Methods with virtual tokens (prompt, prefix) are not split: the bench runs LoRA and full fine-tuning.
/// </summary>
public sealed record StepBreakdown(double Body, double HeadLoss, double HeadLossBackward, double BodyBackward, double Optimizer)
{
    public double Total => Body + HeadLoss + HeadLossBackward + BodyBackward + Optimizer;

    public static StepBreakdown Measure(AdaptedModel adapted, AdamW opt, ModelConfig config, int batch, int seqLen, Generator rng)
    {
        using var scope = NewDisposeScope();
        var ids = randint(0, config.VocabSize, [batch, seqLen], generator: rng);
        var sw = Stopwatch.StartNew();
        opt.ZeroGrad();
        var hidden = adapted.Base.ForwardHidden(ids);
        double body = Lap(sw);
        var cut = hidden.detach().requires_grad_(true);
        var loss = ChunkedCrossEntropy.Compute(cut, adapted.Base.OutputWeight, ids);
        double headLoss = Lap(sw);
        loss.backward();
        double headBackward = Lap(sw);
        hidden.backward([cut.grad!]);
        double bodyBackward = Lap(sw);
        opt.ClipGradNorm(1.0);
        opt.StepOnce();
        double optimizer = Lap(sw);
        return new StepBreakdown(body, headLoss, headBackward, bodyBackward, optimizer);
    }

    private static double Lap(Stopwatch sw)
    {
        double t = sw.Elapsed.TotalSeconds;
        sw.Restart();
        return t;
    }

    public override string ToString() =>
        $"body {Body:F2} s, head + loss {HeadLoss:F2} s, head+loss backward {HeadLossBackward:F2} s, body backward {BodyBackward:F2} s, clip+AdamW {Optimizer:F2} s (total {Total:F2} s)";
}
