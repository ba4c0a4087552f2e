using System.Globalization;
using System.Text;
using SharpTune.Audit.Planting;
using SharpTune.Study.Report;
using static System.Net.WebUtility;

namespace SharpTune.Audit.Report;

/// <summary>
/// The audit as one self-contained HTML page in the study report's style (its CSS and sorting script, figures as
/// data: URIs): counts per finding, the figures, the worst examples with source, label and — when a model ran — the
/// fold model's own summary side by side, and the planted-error measurement when there is one. All data text is escaped.
/// </summary>
public static class AuditPage
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Html(string dataPath, IReadOnlyList<AuditExample> train, IReadOnlyList<AuditEntry> entries, IReadOnlyList<ModelScore>? model,
        IReadOnlyList<ReportFigure> figures, PlantedEvaluation? planted, int worst)
    {
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
         .Append($"<title>SharpTune data audit: {E(Path.GetFileName(dataPath))}</title>\n<style>{ReportPage.Css}{Css}</style>\n</head>\n<body>\n")
         .Append($"<header>\n<h1>Data audit: {E(dataPath)}</h1>\n<p class=\"counts\" id=\"counts\">{train.Count:N0} examples, {entries.Count:N0} flagged")
         .Append(model is null ? " · no model (model-free detectors only)" : $" · {model.Count:N0} scored by {model.Select(m => m.Fold).Distinct().Count()}-fold cross-validated LoRA")
         .Append("</p>\n</header>\n");

        h.Append("<section id=\"kinds\">\n<h2>Findings</h2>\n<table id=\"kind-counts\"><thead><tr><th>finding</th><th>examples</th></tr></thead><tbody>\n");
        foreach (var g in entries.SelectMany(e => e.Reasons.Select(r => r.Kind).Distinct()).GroupBy(k => k).OrderByDescending(g => g.Count()).ThenBy(g => g.Key))
            h.Append($"<tr><td>{E(g.Key)}</td><td>{g.Count()}</td></tr>\n");
        h.Append("</tbody></table>\n</section>\n");

        if (planted is not null) Planted(h, planted);

        h.Append("<section id=\"figures\">\n<h2>Figures</h2>\n<div class=\"grid\">\n");
        foreach (var f in figures.Where(f => f.Png is not null))
            h.Append($"<figure id=\"fig-{E(f.Name)}\"><img alt=\"{E(f.Title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(f.Png!)}\">")
             .Append($"<figcaption><b>{E(f.Title)}</b>. {E(f.Caption)} <a href=\"{E(f.FileName)}\">PNG</a></figcaption></figure>\n");
        h.Append("</div>\n");
        foreach (var f in figures.Where(f => f.Png is null)) h.Append($"<p class=\"note\"><b>{E(f.Title)}</b> not drawn: {E(f.SkipReason ?? "")}.</p>\n");
        h.Append("</section>\n");

        var byLine = train.ToDictionary(e => e.Line);
        var scoreByLine = model?.ToDictionary(m => m.Line);
        var shown = entries.Take(worst).ToList();
        h.Append($"<section>\n<h2>Worst {shown.Count} of {entries.Count} flagged examples</h2>\n<p class=\"note\">Worst first; click a header to sort.</p>\n")
         .Append("<table class=\"sortable examples\" id=\"worst\">\n<thead><tr><th data-col=\"score\">score</th><th data-col=\"line\">line</th><th data-col=\"id\">id</th>")
         .Append("<th data-col=\"reasons\">reasons</th><th data-col=\"source\">source</th><th data-col=\"label\">label</th>");
        if (scoreByLine is not null) h.Append("<th data-col=\"model\">model's own summary</th><th data-col=\"rouge_l\">ROUGE-L</th><th data-col=\"loss\">loss</th>");
        h.Append("</tr></thead>\n<tbody>\n");
        foreach (var a in shown)
        {
            var e = byLine[a.Line];
            h.Append($"<tr><td data-v=\"{a.Score.ToString("R", Inv)}\">{a.Score.ToString("0.000", Inv)}</td><td data-v=\"{a.Line}\">{a.Line}</td><td class=\"text\">{E(a.Id)}</td><td class=\"text\"><ul>");
            foreach (var r in a.Reasons) h.Append($"<li><b>{E(r.Kind)}</b>: {E(r.Detail)}</li>");
            h.Append($"</ul></td><td class=\"text\">{E(Clip(e.Source, 400))}</td><td class=\"text label\">{E(e.Summary)}</td>");
            if (scoreByLine is not null)
            {
                if (scoreByLine.TryGetValue(a.Line, out var m))
                    h.Append($"<td class=\"text model\">{E(m.Prediction)}</td><td data-v=\"{m.RougeL.ToString("R", Inv)}\">{m.RougeL.ToString("0.00", Inv)}</td>")
                     .Append(double.IsFinite(m.Loss) ? $"<td data-v=\"{m.Loss.ToString("R", Inv)}\">{m.Loss.ToString("0.00", Inv)}</td>" : "<td></td>");
                else h.Append("<td class=\"text\">(not scored)</td><td></td><td></td>");
            }
            h.Append("</tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
        h.Append($"<script>{ReportPage.Script}</script>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void Planted(StringBuilder h, PlantedEvaluation p)
    {
        var kinds = p.Planted.Keys.ToList();
        h.Append("<section id=\"planted\">\n<h2>Measured on planted errors</h2>\n<p>Planted: ")
         .Append(E(string.Join(", ", p.Planted.Select(kv => $"{kv.Key} {kv.Value}")))).Append($" in {p.Examples:N0} examples.</p>\n")
         .Append("<table id=\"planted-scores\"><thead><tr><th>finding</th><th>flagged</th><th>precision</th>");
        foreach (var k in kinds) h.Append($"<th>recall: {E(k)}</th>");
        h.Append("</tr></thead><tbody>\n");
        foreach (var d in p.Detectors.OrderBy(d => d.Kind, StringComparer.Ordinal))
        {
            h.Append($"<tr><td>{E(d.Kind)}</td><td>{d.Flagged}</td><td>{(d.Precision is { } pr ? pr.ToString("0.00", Inv) : "")}</td>");
            foreach (var k in kinds) h.Append($"<td>{d.Recall[k].ToString("0.00", Inv)}</td>");
            h.Append("</tr>\n");
        }
        h.Append("<tr><td><b>any model-free finding</b></td><td></td><td></td>");
        foreach (var k in kinds) h.Append($"<td><b>{p.AnyRecall[k].ToString("0.00", Inv)}</b></td>");
        h.Append("</tr>\n</tbody></table>\n");
        if (p.ModelPrecisionAtK is { } atK)
            h.Append("<p id=\"precision-at-k\">Model ranking, precision@k: ").Append(E(string.Join(" · ", atK.Select(kv => $"@{kv.Key}: {kv.Value:0.00}")))).Append("</p>\n");
        if (p.ModelPrecisionBySignal is { } bySignal)
            h.Append("<p id=\"precision-by-signal\">Each signal alone, precision@planted: ").Append(E(string.Join(" · ", bySignal.Select(kv => $"{kv.Key}: {kv.Value:0.00}")))).Append("</p>\n");
        h.Append("</section>\n");
    }

    private static string Clip(string s, int n) => s.Length <= n ? s : s[..n] + "…";
    private static string E(string s) => HtmlEncode(s);

    private const string Css = """

        table.examples th { text-align: left; }
        table.examples td.text { white-space: normal; text-align: left; max-width: 420px; vertical-align: top; }
        table.examples td.label { background: #fff8e6; } table.examples td.model { background: #eef7ee; }
        table.examples ul { margin: 0; padding-left: 1.1em; }
        """;
}
