using System.ComponentModel;
using System.Security.Cryptography;
using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Cli.Options;
using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.Evaluation.Injection;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Recipes;
using SharpTune.Study;
using SharpTune.Study.Sweeps;
using SharpTune.Tokenization;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune trial`: one sweep trial in this process — `train` with the given options, then `eval` of the result on
/// the dev pairs — written to --result as JSON. The sweep runs each trial as its own process; it is also usable by
/// hand (every train option applies).
/// </summary>
public sealed class TrialCommand : Command<TrialCommand.Settings>
{
    public sealed class Settings : TrainCommand.Settings
    {
        [CommandOption("--eval-data <JSONL>")] [Description("Dev pairs {id, source, summary} to evaluate on (default: --dev).")]
        public string? EvalData { get; set; }
        [CommandOption("--eval-limit <N>")] [Description("Dev pairs to generate for (≥ 1).")] [DefaultValue(100)] [ValidRange(1)]
        public int EvalLimit { get; set; } = 100;
        [CommandOption("--eval-injection-limit <N>")] [Description("Dev pairs the injection suite is planted in (≥ 0; 0 skips it).")] [DefaultValue(30)] [ValidRange(0)]
        public int EvalInjectionLimit { get; set; } = 30;
        [CommandOption("--eval-predictions <FILE>")] [Description("Also write each dev pair's own summary, answer loss (nats/token), the answer's loss with the source left out and ROUGE-L as JSONL {id, prediction, loss, prior_loss, rouge_l} (what `data audit` ranks held-out folds by).")]
        public string? EvalPredictions { get; set; }
        [CommandOption("--result <FILE>")] [Description("Where to write the trial's result JSON (atomically). Required.")]
        public string Result { get; set; } = "";

        public override Spectre.Console.ValidationResult Validate() =>
            Result == "" ? Spectre.Console.ValidationResult.Error("--result FILE is required")
            : EvalData is null && Dev is null ? Spectre.Console.ValidationResult.Error("--eval-data JSONL (or --dev) is required to evaluate the trial")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var stop = Cancellation.Listen(cancel);
        var options = s.ToOptions();
        var evalPairs = JsonlReader.ReadPairs(s.EvalData ?? s.Dev!, s.EvalLimit);
        var outcome = FineTuneRecipe.Run(options, setup => Console.WriteLine($"{setup.Method}: {setup.Examples:N0} examples; trainable {setup.TrainableParameters:N0}"),
            p => { if (p.Step % 50 == 0) Console.WriteLine($"step {p.Step}: loss {p.Loss:F4}"); }, stop.Token);
        var r = outcome.Result;
        if (r.Cancelled) return stop.ExitCode;
        Console.WriteLine($"trained {r.Steps} steps in {r.Elapsed:hh\\:mm\\:ss}: loss {r.Losses.FirstOrDefault():F4} → {r.Losses.LastOrDefault():F4}");

        var device = Devices.Parse(s.Device);
        var tok = Tokenizer.Load(s.Tokenizer ?? s.Model);
        using var trained = TrainedModel.Load(s.Model, s.Out, device);
        var (model, baseModel) = (trained.Model, trained.Base);
        var template = options.Data.PairTemplate;
        var noisePath = Path.Combine(s.Out, LabelNoise.RecordFileName);
        var evalOptions = new EvalOptions
        {
            PairTemplate = template, MaxPromptTokens = EvalOptions.PromptBudget(s.MaxLength, baseModel.Config.MaxPositions, new EvalOptions().MaxNewTokens),
            Attacks = s.EvalInjectionLimit > 0 ? InjectionSuite.BuiltIn(template) : null, InjectionLimit = Math.Max(1, s.EvalInjectionLimit),
            Noise = File.Exists(noisePath) ? LabelNoise.Load(noisePath) : null,
            DevLoss = s.EvalPredictions is null,
        };
        var eval = MetricsEvaluator.Run(model, tok, evalPairs, evalOptions, cancel: stop.Token);
        if (s.EvalPredictions is { } predictionsPath)
        {
            var losses = MetricsEvaluator.ReferenceLosses(model, tok, evalPairs, evalOptions, stop.Token);
            // The same label with the source left out: how probable the model finds it anyway. A label its source
            // explains gains much from the source (rare package names included: they are in the source); a label
            // written for another source gains little — the audit's contrast between "rare" and "wrong".
            var priors = MetricsEvaluator.ReferenceLosses(model, tok, evalPairs.Select(p => p with { Source = "" }).ToList(), evalOptions, stop.Token);
            long tokens = losses.Sum(l => (long)l.Tokens);
            if (tokens > 0) eval = eval with { Metrics = eval.Metrics with { DevLoss = losses.Sum(l => l.Total) / tokens, DevPerplexity = Math.Exp(losses.Sum(l => l.Total) / tokens) } };
            var lines = eval.Items.Select((item, i) => JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["id"] = item.Pair.Id, ["prediction"] = item.Generated,
                ["loss"] = losses[i].Tokens == 0 ? null : losses[i].Total / losses[i].Tokens,
                ["prior_loss"] = priors[i].Tokens == 0 ? null : priors[i].Total / priors[i].Tokens, ["rouge_l"] = Rouge.L(item.Generated, item.Pair.Summary).F1,
            }) + "\n");
            AtomicFile.WriteAllText(predictionsPath, string.Concat(lines));
        }

        var metrics = eval.Metrics with
        {
            TrainableParameters = outcome.Setup.TrainableParameters,
            TrainSeconds = r.Elapsed.TotalSeconds,
            TokensPerSecond = r.Elapsed.TotalSeconds > 0 ? r.TokensSeen / r.Elapsed.TotalSeconds : null,
            PeakRssBytes = Math.Max(r.PeakRssBytes, PeakMemory.PeakRssBytes()),
            AdapterBytes = Directory.GetFiles(s.Out, "*.safetensors").Sum(f => new FileInfo(f).Length),
        };
        // The step the trainer kept as the result (its best dev loss), i.e. the one whose adapter was just evaluated.
        var result = new TrialOutcome { Metrics = metrics, BestStep = r.BestStep, Steps = r.Steps, DataFingerprint = Fingerprint(s.Data, s.Limit) };
        AtomicFile.WriteAllText(s.Result, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Console.WriteLine($"ROUGE-L {metrics.RougeL:F4}, chrF {metrics.Chrf:F2}; result in {s.Result}");
        return 0;
    }

    /// <summary>SHA-256 of the data file's bytes and the example limit, so two trials on different data never compare silently.</summary>
    private static string Fingerprint(string path, int? limit)
    {
        using var sha = SHA256.Create();
        using (var f = File.OpenRead(path)) sha.TransformBlock(SHA256.HashData(f), 0, 32, null, 0);
        var tail = System.Text.Encoding.UTF8.GetBytes($"limit={limit}");
        sha.TransformFinalBlock(tail, 0, tail.Length);
        return Convert.ToHexStringLower(sha.Hash!)[..16];
    }
}
