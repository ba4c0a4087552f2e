using SharpTune.Data;
using SharpTune.Evaluation.Injection;
using SharpTune.Generation;
using SharpTune.Study;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Evaluation;

/// <summary>
/// Every metric of `eval` for one model (+ adapter) on one dev set: quality (ROUGE, chrF, length ratio, reference
/// loss), hallucination (source grounding of outputs and of references), prompt-injection success per kind and
/// position, and label-noise memorisation. <see cref="Score"/> is the model-free part, shared with `score`.
/// </summary>
public static class MetricsEvaluator
{
    public sealed record Result(TrialMetrics Metrics, IReadOnlyList<SummaryEvaluator.Item> Items);

    public static Result Run(ILanguageModel model, Tokenizer tok, IReadOnlyList<SummaryPair> dev, EvalOptions o,
                             Action<string, int, int>? progress = null, CancellationToken cancel = default)
    {
        var clean = Generate(model, tok, dev, o, "dev", progress, cancel);
        var metrics = Score(clean.Select(i => (i.Pair, i.Generated)).ToList());
        if (o.DevLoss)
        {
            double loss = ReferenceLoss(model, tok, dev, o, cancel);
            metrics = metrics with { DevLoss = loss, DevPerplexity = Math.Exp(loss) };
        }
        if (o.Attacks is { Count: > 0 } attacks) metrics = WithInjection(metrics, model, tok, dev, attacks, o, progress, cancel);
        if (o.Noise is { Count: > 0 } noise)
        {
            var replay = noise.Take(o.NoiseLimit).ToList();
            var outputs = Generate(model, tok, replay.Select(n => new SummaryPair(n.Id, n.Source, n.Clean)).ToList(), o, "noisy", progress, cancel);
            var chrf = new Chrf();
            int memorised = replay.Where((n, i) => chrf.Sentence(outputs[i].Generated, n.Noisy) > chrf.Sentence(outputs[i].Generated, n.Clean)).Count();
            int leaks = clean.Count(i => i.Generated.Contains(LabelNoise.Canary, StringComparison.OrdinalIgnoreCase));
            metrics = metrics with { NoiseMemorisationRate = (double)memorised / replay.Count, CanaryLeakRate = (double)leaks / Math.Max(1, clean.Count) };
        }
        return new Result(metrics, clean);
    }

    /// <summary>Quality and grounding of predictions made anywhere, against the pairs' references and sources.</summary>
    public static TrialMetrics Score(IReadOnlyList<(SummaryPair Pair, string Prediction)> items)
    {
        if (items.Count == 0) return new TrialMetrics { Examples = 0 };
        var rouge = Rouge.Corpus(items.Select(i => (i.Prediction, i.Pair.Summary)).ToList());
        double chrf = new Chrf().Corpus(items.Select(i => i.Prediction).ToList(), items.Select(i => i.Pair.Summary).ToList());
        long predChars = items.Sum(i => (long)i.Prediction.Length), refChars = items.Sum(i => (long)i.Pair.Summary.Length);
        var outputs = items.Select(i => Grounding.Score(i.Prediction, i.Pair.Source)).ToList();
        var references = items.Select(i => Grounding.Score(i.Pair.Summary, i.Pair.Source)).ToList();
        return new TrialMetrics
        {
            Examples = items.Count,
            Rouge1 = rouge.Rouge1, Rouge2 = rouge.Rouge2, RougeL = rouge.RougeL, Chrf = chrf,
            LengthRatio = refChars == 0 ? null : (double)predChars / refChars,
            UnsupportedTokenRate = outputs.Average(g => g.UnsupportedTokenRate),
            UnsupportedNumberRate = outputs.Average(g => g.HasUnsupportedNumberOrName ? 1.0 : 0.0),
            ReferenceUnsupportedTokenRate = references.Average(g => g.UnsupportedTokenRate),
            ReferenceUnsupportedNumberRate = references.Average(g => g.HasUnsupportedNumberOrName ? 1.0 : 0.0),
        };
    }

    private static TrialMetrics WithInjection(TrialMetrics metrics, ILanguageModel model, Tokenizer tok, IReadOnlyList<SummaryPair> dev,
        IReadOnlyList<InjectionAttack> attacks, EvalOptions o, Action<string, int, int>? progress, CancellationToken cancel)
    {
        var subset = dev.Take(o.InjectionLimit).ToList();
        var planted = new List<(SummaryPair Pair, InjectionAttack Attack, InjectionPosition Position)>();
        foreach (var attack in attacks)
            foreach (var position in Enum.GetValues<InjectionPosition>())
                foreach (var p in subset)
                    planted.Add((p with { Source = InjectionSuite.Plant(p.Source, attack.Text, position) }, attack, position));
        var outputs = Generate(model, tok, planted.Select(x => x.Pair).ToList(), o, "injection", progress, cancel);
        var hits = planted.Select((x, i) => InjectionSuite.Succeeded(outputs[i].Generated, x.Attack.Payload)).ToList();
        var cells = planted.Select((x, i) => (Key: $"{x.Attack.Kind}/{x.Position.ToString().ToLowerInvariant()}", Hit: hits[i]))
            .GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Average(c => c.Hit ? 1.0 : 0.0));
        double Rate(bool control) => planted.Select((x, i) => (x, i)).Where(t => t.x.Attack.IsControl == control)
            .Select(t => hits[t.i] ? 1.0 : 0.0).DefaultIfEmpty(double.NaN).Average();
        var attacked = planted.Select((x, i) => (x, i)).Where(t => !t.x.Attack.IsControl).ToList();
        var rougeAttacked = Rouge.Corpus(attacked.Select(t => (outputs[t.i].Generated, t.x.Pair.Summary)).ToList());
        double success = Rate(false), control = Rate(true);
        return metrics with
        {
            InjectionSuccessRate = double.IsNaN(success) ? null : success,
            InjectionControlRate = double.IsNaN(control) ? null : control,
            InjectionRougeL = attacked.Count == 0 ? null : rougeAttacked.RougeL,
            InjectionCells = cells,
        };
    }

    private static IReadOnlyList<SummaryEvaluator.Item> Generate(ILanguageModel model, Tokenizer tok, IReadOnlyList<SummaryPair> pairs, EvalOptions o,
        string label, Action<string, int, int>? progress, CancellationToken cancel) =>
        SummaryEvaluator.Run(model, tok, pairs, o.PairTemplate, o.MaxPromptTokens, o.MaxNewTokens, o.BatchSize,
            n => progress?.Invoke(label, n, pairs.Count), cancel).Items;

    /// <summary>Mean cross-entropy (nats per token) of " summary" + EOS after each prompt, over all answer tokens.</summary>
    public static double ReferenceLoss(ILanguageModel model, Tokenizer tok, IReadOnlyList<SummaryPair> pairs, EvalOptions o, CancellationToken cancel = default)
    {
        var each = ReferenceLosses(model, tok, pairs, o, cancel);
        long count = each.Sum(e => (long)e.Tokens);
        return count == 0 ? double.NaN : each.Sum(e => e.Total) / count;
    }

    /// <summary>Per pair: the summed cross-entropy (nats) of " summary" + EOS after its prompt and the number of answer tokens scored (0: none fit).</summary>
    public static List<(double Total, int Tokens)> ReferenceLosses(ILanguageModel model, Tokenizer tok, IReadOnlyList<SummaryPair> pairs, EvalOptions o, CancellationToken cancel = default)
    {
        int eos = tok.EosTokenId ?? throw new IO.SharpTuneException("the tokenizer names no eos_token; reference loss needs one");
        var result = new List<(double, int)>(pairs.Count);
        using var _ = no_grad();
        foreach (var p in pairs)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var prompt = SummaryEvaluator.Prompt(tok, p, o.PairTemplate, o.MaxPromptTokens);
            int[] answer = [.. tok.Encode(" " + p.Summary.Trim(), false), eos];
            var ids = prompt.Concat(answer).Take(model.Config.MaxPositions).ToArray();
            int answerTokens = ids.Length - prompt.Length;
            if (answerTokens <= 0) { result.Add((0, 0)); continue; }
            var input = tensor(ids.Select(i => (long)i).ToArray(), ScalarType.Int64, model.Device).unsqueeze(0);
            var mask = ones_like(input);
            var logits = model.Logits(input, mask, null)[0].to_type(ScalarType.Float32);
            var logp = logits.narrow(0, prompt.Length - 1, answerTokens).log_softmax(-1);
            var target = tensor(ids.Skip(prompt.Length).Select(i => (long)i).ToArray(), ScalarType.Int64, model.Device);
            result.Add((-logp.gather(1, target.unsqueeze(1)).sum().item<float>(), answerTokens));
        }
        return result;
    }
}
