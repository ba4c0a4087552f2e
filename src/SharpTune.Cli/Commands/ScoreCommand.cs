using System.ComponentModel;
using SharpTune.Cli.Options;
using System.Text.Json;
using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.IO;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune score`: the model-free metrics of `eval` (quality, length, grounding) for predictions made by any
/// system, so SharpTune and anything else are compared on one yardstick.
/// </summary>
public sealed class ScoreCommand : Command<ScoreCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--data <JSONL>")] [Description("Reference pairs {id, source, summary}.")]
        public string Data { get; set; } = "";
        [CommandOption("--predictions <JSONL>")] [Description("Outputs {id, prediction}, matched to --data by id.")]
        public string Predictions { get; set; } = "";
        [CommandOption("--json")] [Description("Print one JSON object of metrics (snake_case keys, rates in [[0, 1]], chrF 0–100).")]
        public bool Json { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Data == "" || Predictions == "" ? Spectre.Console.ValidationResult.Error("--data JSONL and --predictions JSONL are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var pairs = JsonlReader.ReadPairs(s.Data);
        var byId = new Dictionary<string, SummaryPair>();
        foreach (var p in pairs)
            if (!byId.TryAdd(p.Id, p)) throw new SharpTuneException($"{s.Data}: id '{p.Id}' occurs twice; predictions are matched by id");
        var items = new List<(SummaryPair, string)>();
        var seen = new HashSet<string>();
        foreach (var (line, o) in JsonlReader.Read(s.Predictions))
        {
            var id = JsonlReader.RequireString(o, "id", s.Predictions, line);
            var prediction = JsonlReader.RequireString(o, "prediction", s.Predictions, line, allowEmpty: true);
            if (!byId.TryGetValue(id, out var pair)) throw new SharpTuneException($"{s.Predictions}:{line}: id '{id}' is not in {s.Data}");
            if (!seen.Add(id)) throw new SharpTuneException($"{s.Predictions}:{line}: a second prediction for id '{id}'");
            items.Add((pair, prediction));
        }
        if (items.Count < pairs.Count && !s.Json)
            Console.Error.WriteLine($"note: {pairs.Count - items.Count} of {pairs.Count} pairs have no prediction and are not scored");
        MetricsOutput.Print(MetricsEvaluator.Score(items), s.Json);
        return 0;
    }
}
