using System.ComponentModel;
using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Cli.Options;
using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.Evaluation.Injection;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`sharptune eval`: every metric of a model (+ adapter) on a dev set of {id, source, summary} pairs.</summary>
public sealed class EvalCommand : Command<EvalCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--adapter <DIR>")] [Description("PEFT adapter folder (or a full model folder written by train) to evaluate over --model.")]
        public string? Adapter { get; set; }
        [CommandOption("--data <JSONL>")] [Description("Dev pairs {id, source, summary}.")]
        public string Data { get; set; } = "";
        [CommandOption("--limit <N>")] [Description("Use only the first N pairs (≥ 1).")] [ValidRange(1)]
        public int? Limit { get; set; }
        [CommandOption("--template <TEXT>")] [Description("Prompt for pairs with {source} or {source_indented}; default: the adapter's recorded template, else the built-in one.")]
        public string? Template { get; set; }
        [CommandOption("--injections <JSONL>")] [Description("Extra attacks {kind, text, payload} added to the built-in prompt-injection suite.")]
        public string? Injections { get; set; }
        [CommandOption("--no-injection")] [Description("Skip the prompt-injection measurement (12 extra generations per example).")]
        public bool NoInjection { get; set; }
        [CommandOption("--injection-limit <N>")] [Description("Examples the attacks are planted in (≥ 1).")] [DefaultValue(30)] [ValidRange(1)]
        public int InjectionLimit { get; set; } = 30;
        [CommandOption("--predictions <JSONL>")] [Description("Also write {id, prediction} lines here (atomically).")]
        public string? Predictions { get; set; }
        [CommandOption("--json")] [Description("Print one JSON object of metrics (snake_case keys, rates in [[0, 1]], chrF 0–100).")]
        public bool Json { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Data == "" ? Spectre.Console.ValidationResult.Error("--data JSONL is required")
            : Limit is < 1 ? Spectre.Console.ValidationResult.Error("--limit must be at least 1")
            : InjectionLimit < 1 ? Spectre.Console.ValidationResult.Error("--injection-limit must be at least 1")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var pairs = JsonlReader.ReadPairs(s.Data, s.Limit);
        var task = (s.Adapter is null ? null : TaskSettings.Load(s.Adapter)) ?? TaskSettings.Load(s.Model) ?? new TaskSettings();
        var template = s.Template ?? task.PairTemplate;
        if (!template.Contains("{source}") && !template.Contains("{source_indented}"))
            throw new SharpTuneException("--template: expected {source} or {source_indented} in the prompt");
        var attacks = s.NoInjection ? null : InjectionSuite.BuiltIn(template).Concat(s.Injections is null ? [] : InjectionSuite.Load(s.Injections)).ToList();
        List<NoisyLabel>? noise = null;
        if (s.Adapter is not null && task.NoiseRecord is string rec)
            noise = LabelNoise.Load(Path.Combine(s.Adapter, rec));

        var device = Devices.Parse(s.Device);
        var tok = Tokenizer.Load(s.Adapter is not null && File.Exists(Path.Combine(s.Adapter, Tokenizer.FileName)) ? s.Adapter : s.Model);
        using var trained = TrainedModel.Load(s.Model, s.Adapter, device, ModelIO.ParseDType(s.DType));
        var (model, baseModel) = (trained.Model, trained.Base);
        var options = new EvalOptions
        {
            PairTemplate = template, MaxPromptTokens = EvalOptions.PromptBudget(task.MaxLength, baseModel.Config.MaxPositions, task.MaxNewTokens),
            MaxNewTokens = task.MaxNewTokens, Attacks = attacks, InjectionLimit = s.InjectionLimit, Noise = noise,
        };
        var result = MetricsEvaluator.Run(model, tok, pairs, options, (label, done, total) =>
        {
            if (!s.Json && !Console.IsErrorRedirected) Console.Error.Write($"\r{label}: {done}/{total}   ");
        }, cancel);
        if (!s.Json && !Console.IsErrorRedirected) Console.Error.WriteLine();
        if (s.Predictions is not null)
            AtomicFile.WriteAllText(s.Predictions, string.Concat(result.Items.Select(i => JsonSerializer.Serialize(new { id = i.Pair.Id, prediction = i.Generated }) + "\n")));
        MetricsOutput.Print(result.Metrics, s.Json);
        return 0;
    }
}
