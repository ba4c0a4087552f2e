using System.Text.Json;
using SharpTune.Audit.Model;
using SharpTune.Audit.Planting;
using SharpTune.Audit.Report;
using SharpTune.IO;
using SharpTune.Study.Sweeps;

namespace SharpTune.Audit;

/// <summary>
/// `sharptune data audit`: the model-free detectors, then (with a model) the cross-validated folds, merged into
/// OUT/audit.jsonl (flagged examples, worst first), OUT/model-scores.jsonl (every scored example, ranked),
/// OUT/summary.json, OUT/index.html with its PNGs, and — when asked — the data minus the examples scored at or
/// above <see cref="AuditOptions.CleanMinScore"/>, written as the original lines to a file that is never the input.
/// Every file is written atomically; the page last.
/// </summary>
public static class AuditRunner
{
    public const string AuditFile = "audit.jsonl", ModelScoresFile = "model-scores.jsonl", SummaryFile = "summary.json", PlantedFile = "planted-score.json";

    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The one-line refusals checked before any work: --write-clean must not be the data, the dev file, or inside --out.</summary>
    public static void CheckPaths(AuditRequest r)
    {
        if (r.WriteClean is not { } clean) return;
        var target = OutputFolder.RealPath(clean);
        foreach (var (option, path) in new[] { ("--data", r.Data), ("--dev", r.Dev) })
            if (path is not null && File.Exists(path) && OutputFolder.RealPath(path) == target)
                throw new SharpTuneException($"--write-clean {clean}: is the same file as {option}; the audit never writes its input in place, name another file");
        if (Directory.Exists(clean)) throw new SharpTuneException($"--write-clean {clean}: is a folder; expected a file path");
    }

    public static AuditResult Run(AuditRequest r, ITrialExecutor? executor = null, Action<string>? log = null, CancellationToken cancel = default)
    {
        CheckPaths(r);
        var train = AuditData.Read(r.Data, r.Limit);
        var dev = r.Dev is null ? [] : AuditData.Read(r.Dev);
        var planted = r.Planted is null ? null : ErrorPlanter.ReadRecord(r.Planted);
        var context = new AuditContext(train, dev, r.Options);
        var detectors = Auditor.ModelFree();
        log?.Invoke($"{train.Count:N0} examples{(dev.Count > 0 ? $", {dev.Count:N0} dev" : "")}: running {detectors.Count} model-free detectors");
        var findings = Auditor.RunDetectors(context, detectors);
        List<ModelScore>? model = null;
        if (r.Model is { } m)
        {
            log?.Invoke($"model: {m.Folds} folds of LoRA r={m.Rank}, {m.MaxSteps} steps each, as the trials of a sweep in {Path.Combine(r.Out, "folds", "sweep")}");
            model = CrossValidation.Run(train, m, Path.Combine(r.Out, "folds"), executor ?? new ProcessTrialExecutor(), log, cancel);
            findings.AddRange(Auditor.ModelFindings(train, model, r.Options));
        }
        var entries = Auditor.Merge(train, findings);

        Directory.CreateDirectory(r.Out);
        var auditPath = Path.Combine(r.Out, AuditFile);
        AtomicFile.WriteAllText(auditPath, string.Concat(entries.Select(e => JsonSerializer.Serialize(e, Json) + "\n")));
        if (model is not null)
            AtomicFile.WriteAllText(Path.Combine(r.Out, ModelScoresFile), string.Concat(model.Select(s => JsonSerializer.Serialize(s with { Loss = double.IsFinite(s.Loss) ? s.Loss : -1 }, Json) + "\n")));
        var kinds = detectors.SelectMany(d => d.Kinds).Append(Auditor.ModelKind).ToList();
        PlantedEvaluation? measured = null;
        if (planted is not null)
        {
            measured = PlantedEvaluation.Compute(train.Count, planted.Where(p => p.Line <= train[^1].Line).ToList(), entries, model, kinds);
            AtomicFile.WriteAllText(Path.Combine(r.Out, PlantedFile), JsonSerializer.Serialize(measured, new JsonSerializerOptions(Json) { WriteIndented = true }) + "\n");
        }
        int? kept = null;
        if (r.WriteClean is { } clean) kept = WriteClean(r.Data, clean, train, entries, r.Options.CleanMinScore);
        var counts = kinds.ToDictionary(k => k, k => entries.Count(e => e.Reasons.Any(x => x.Kind == k)));
        AtomicFile.WriteAllText(Path.Combine(r.Out, SummaryFile), JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["data"] = r.Data, ["dev"] = r.Dev, ["examples"] = train.Count, ["flagged"] = entries.Count, ["by_kind"] = counts,
            ["clean_min_score"] = r.Options.CleanMinScore, ["kept"] = kept, ["options"] = r.Options, ["model"] = r.Model,
        }, new JsonSerializerOptions(Json) { WriteIndented = true }) + "\n");
        var figures = AuditFigures.All(entries, model, r.Options.ModelFlagShare);
        foreach (var f in figures.Where(f => f.Png is not null)) AtomicFile.WriteAllBytes(Path.Combine(r.Out, f.FileName), f.Png!);
        var page = Path.Combine(r.Out, "index.html");
        AtomicFile.WriteAllText(page, AuditPage.Html(r.Data, train, entries, model, figures, measured, r.Worst));
        return new AuditResult(train.Count, entries, model, measured, auditPath, page, kept);
    }

    /// <summary>The data file's own lines (byte for byte but the line ends) of the examples read and not dropped; returns how many were kept.</summary>
    public static int WriteClean(string dataPath, string cleanPath, IReadOnlyList<AuditExample> train, IReadOnlyList<AuditEntry> entries, double minScore)
    {
        var drop = entries.Where(e => e.Score >= minScore).Select(e => e.Line).ToHashSet();
        var want = train.Select(e => e.Line).Where(l => !drop.Contains(l)).ToHashSet();
        var lines = new List<string>();
        int n = 0;
        foreach (var line in File.ReadLines(dataPath))
            if (want.Contains(++n)) lines.Add(line);
        AtomicFile.WriteAllText(cleanPath, string.Concat(lines.Select(l => l + "\n")));
        return lines.Count;
    }
}
