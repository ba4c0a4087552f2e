using System.Globalization;
using System.Text;
using static System.Net.WebUtility;

namespace SharpTune.Study.Report;

/// <summary>
/// The report as one HTML page that needs nothing else: CSS and the table-sorting script inline, figures as
/// base64 data: URIs. Everything that comes from the trials (settings, ids, errors, free text) is HTML-escaped.
/// </summary>
public static class ReportPage
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Metrics shown as mean ± sd in the points table (when some point has them).</summary>
    private static readonly ReportMetric[] PointMetrics =
    [
        ReportMetric.RougeL, ReportMetric.Chrf, ReportMetric.UnsupportedTokens, ReportMetric.UnsupportedNumbers,
        ReportMetric.Injection, ReportMetric.Memorisation, ReportMetric.Parameters, ReportMetric.Seconds, ReportMetric.DevLoss,
    ];

    public static string Html(IReadOnlyList<TrialRecord> trials, IReadOnlyList<TrialGroup> points, IReadOnlyList<TrialGroup> plotted,
        IReadOnlyList<ReportFigure> figures, ReportOptions o)
    {
        var named = string.Join(", ", trials.Select(t => t.Sweep).OfType<string>().Distinct());
        var sweep = o.SweepName ?? (named.Length > 0 ? named : "(unnamed sweep)");
        var h = new StringBuilder();
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
         .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
         .Append($"<title>SharpTune study report: {E(sweep)}</title>\n<style>{Css}</style>\n</head>\n<body>\n");
        Header(h, sweep, trials, points, plotted, o);
        Recommendation(h, o);
        var widthNotes = RankWidth.Notes(plotted, o.BaseHiddenSize);
        if (widthNotes.Count > 0)
        {
            h.Append("<section id=\"rank-width\">\n<h2>Rank and layer width</h2>\n<ul>\n");
            foreach (var n in widthNotes) h.Append($"<li>{E(n)}</li>\n");
            h.Append("</ul>\n</section>\n");
        }
        Figures(h, figures);
        PointsTable(h, points);
        TrialsTable(h, trials);
        Failed(h, trials);
        h.Append($"<script>{Script}</script>\n</body>\n</html>\n");
        return h.ToString();
    }

    private static void Header(StringBuilder h, string sweep, IReadOnlyList<TrialRecord> trials, IReadOnlyList<TrialGroup> points,
        IReadOnlyList<TrialGroup> plotted, ReportOptions o)
    {
        int Count(TrialStatus st) => trials.Count(t => t.Status == st);
        h.Append($"<header>\n<h1>Study report: {E(sweep)}</h1>\n<p class=\"counts\" id=\"counts\">{trials.Count} trials: ")
         .Append($"{Count(TrialStatus.Finished)} finished, {Count(TrialStatus.Failed)} failed");
        if (Count(TrialStatus.Running) > 0) h.Append($", {Count(TrialStatus.Running)} running");
        if (Count(TrialStatus.Pending) > 0) h.Append($", {Count(TrialStatus.Pending)} pending");
        if (Count(TrialStatus.Cancelled) > 0) h.Append($", {Count(TrialStatus.Cancelled)} cancelled");
        h.Append($" · {points.Count} points (settings but the seed)");
        if (points.Count > 0)
        {
            var n = points.Select(p => p.Trials.Count).ToList();
            h.Append($" · seeds per point: {(n.Min() == n.Max() ? $"{n.Min()}" : $"{n.Min()}–{n.Max()}")}");
        }
        h.Append("</p>\n");
        var fixedSettings = FixedSettings(trials);
        if (fixedSettings.Count > 0)
        {
            h.Append("<details><summary>Settings shared by every trial</summary>\n<table class=\"kv\">");
            foreach (var (k, v) in fixedSettings) h.Append($"<tr><th>{E(k)}</th><td>{E(v)}</td></tr>");
            h.Append("</table></details>\n");
        }
        h.Append("<h2>What was cut</h2>\n<p id=\"cut\">")
         .Append(string.IsNullOrWhiteSpace(o.CutNote) ? "Not stated." : E(o.CutNote.Trim()).Replace("\n", "<br>\n"))
         .Append("</p>\n");
        // Only when some configuration really ran several values (full FT at its own fixed rate is not tuning).
        var tuned = o.TunedKeys.Where(k => points.Select(p => p.Get(k)).Distinct().Count() > 1).ToList();
        if (tuned.Count > 0 && plotted.Count < points.Count)
            h.Append($"<p class=\"note\">{E(string.Join(", ", tuned))} was tuned on a grid per configuration: the figures show, for each configuration, ")
             .Append($"the value with the lowest mean dev loss (ROUGE-L where dev loss was not measured) — {plotted.Count} of {points.Count} points. ")
             .Append("Both tables list every point and trial.</p>\n");
        h.Append("</header>\n");
    }

    private static void Recommendation(StringBuilder h, ReportOptions o)
    {
        h.Append("<section id=\"recommendation\">\n<h2>Recommendation</h2>\n");
        if (o.RecommendationHtml is { } html) h.Append(html).Append('\n');
        else if (o.RecommendationMarkdown is { } md) h.Append(MiniMarkdown.ToHtml(md));
        else h.Append("<p class=\"placeholder\">Not yet made: <code>sharptune recommend SWEEP_DIR</code> fills this section.</p>\n");
        h.Append("</section>\n");
    }

    private static void Figures(StringBuilder h, IReadOnlyList<ReportFigure> figures)
    {
        h.Append("<section id=\"figures\">\n<h2>Figures</h2>\n<div class=\"grid\">\n");
        foreach (var f in figures.Where(f => f.Png is not null))
            h.Append($"<figure id=\"fig-{E(f.Name)}\"><img alt=\"{E(f.Title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(f.Png!)}\">")
             .Append($"<figcaption><b>{E(f.Title)}</b>. {E(f.Caption)} <a href=\"{E(f.FileName)}\">PNG</a></figcaption></figure>\n");
        h.Append("</div>\n");
        var skipped = figures.Where(f => f.Png is null).ToList();
        if (skipped.Count > 0)
        {
            h.Append("<h3>Not drawn</h3>\n<ul class=\"skipped\">\n");
            foreach (var f in skipped) h.Append($"<li><b>{E(f.Title)}</b>: {E(f.SkipReason ?? "")}.</li>\n");
            h.Append("</ul>\n");
        }
        h.Append("</section>\n");
    }

    private static void PointsTable(StringBuilder h, IReadOnlyList<TrialGroup> points)
    {
        var keys = SettingLabels.Varying(points, [TrialGrouping.SeedKey]);
        var metrics = PointMetrics.Where(m => points.Any(p => p.Stat(m) is not null)).ToList();
        h.Append("<section>\n<h2>Points (mean ± sd over seeds; se and n in the tooltip)</h2>\n<table class=\"sortable\" id=\"points\">\n<thead><tr>");
        foreach (var k in keys) h.Append(Th(k, k));
        h.Append(Th("n", "n"));
        foreach (var m in metrics) h.Append(Th(m.Name, m.Label));
        h.Append("</tr></thead>\n<tbody>\n");
        foreach (var p in points)
        {
            h.Append("<tr>");
            foreach (var k in keys) h.Append(Td(p.Get(k)));
            h.Append($"<td data-v=\"{p.Trials.Count}\">{p.Trials.Count}</td>");
            foreach (var m in metrics)
            {
                var st = p.Stat(m);
                if (st is null) { h.Append("<td></td>"); continue; }
                h.Append($"<td data-v=\"{st.Mean.ToString("R", Inv)}\" title=\"sd {Fmt(st.Sd, m)}, se {Fmt(st.Se, m)}, n={st.N}\">")
                 .Append($"{Fmt(st.Mean, m)} <span class=\"pm\">± {Fmt(st.Sd, m)}</span></td>");
            }
            h.Append("</tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void TrialsTable(StringBuilder h, IReadOnlyList<TrialRecord> trials)
    {
        var fixedKeys = FixedSettings(trials).Select(kv => kv.Key).ToHashSet();
        var keys = trials.SelectMany(t => t.Settings.Keys).Distinct().Where(k => !fixedKeys.Contains(k))
            .OrderBy(SettingLabels.KeyRank).ThenBy(k => k, StringComparer.Ordinal).ToList();
        var metrics = ReportMetric.Table.Where(m => trials.Any(t => m.Of(t.Metrics) is not null)).ToList();
        h.Append($"<section>\n<h2>All trials ({trials.Count})</h2>\n<p class=\"note\">Click a column header to sort (again to reverse); ")
         .Append("<code>#sort=COLUMN</code> or <code>#sort=-COLUMN</code> in the address sorts on load.</p>\n")
         .Append("<table class=\"sortable\" id=\"trials\">\n<thead><tr>").Append(Th("id", "id")).Append(Th("status", "status"));
        foreach (var k in keys) h.Append(Th(k, k));
        foreach (var m in metrics) h.Append(Th(m.Name, m.Label));
        h.Append(Th("best_step", "best step")).Append("</tr></thead>\n<tbody>\n");
        foreach (var t in trials)
        {
            h.Append($"<tr data-id=\"{E(t.Id)}\" class=\"{t.Status.ToString().ToLowerInvariant()}\">").Append(Td(t.Id))
             .Append($"<td{(t.Error is { } err ? $" title=\"{E(err)}\"" : "")}>{t.Status.ToString().ToLowerInvariant()}</td>");
            foreach (var k in keys) h.Append(Td(t.Get(k)));
            foreach (var m in metrics)
                h.Append(m.Of(t.Metrics) is { } v ? $"<td data-v=\"{v.ToString("R", Inv)}\">{Fmt(v, m)}</td>" : "<td></td>");
            h.Append(t.BestStep is { } b ? $"<td data-v=\"{b}\">{b}</td>" : "<td></td>").Append("</tr>\n");
        }
        h.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void Failed(StringBuilder h, IReadOnlyList<TrialRecord> trials)
    {
        var failed = trials.Where(t => t.Status == TrialStatus.Failed).ToList();
        h.Append($"<section id=\"failed\">\n<h2>Failed trials ({failed.Count})</h2>\n");
        if (failed.Count == 0) h.Append("<p>None.</p>\n");
        foreach (var t in failed)
            h.Append($"<div class=\"failed\"><p><b>{E(t.Id)}</b> — {E(string.Join(", ", t.Settings.OrderBy(kv => SettingLabels.KeyRank(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")))}</p>")
             .Append($"<pre>{E(t.Error ?? "(no error recorded)")}</pre></div>\n");
        h.Append("</section>\n");
    }

    /// <summary>Settings every trial has with the same value (paths, step counts…): shown once, not as columns.</summary>
    private static List<KeyValuePair<string, string>> FixedSettings(IReadOnlyList<TrialRecord> trials) =>
        trials.Count < 2 ? [] : trials[0].Settings
            .Where(kv => kv.Key != TrialGrouping.SeedKey && trials.All(t => t.Get(kv.Key) == kv.Value))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();

    private static string Fmt(double v, ReportMetric m) => v.ToString(m.Format, Inv);
    private static string E(string s) => HtmlEncode(s);
    private static string Th(string col, string label) => $"<th data-col=\"{E(col)}\" title=\"click to sort\">{E(label)}</th>";
    private static string Td(string? text) => text is null ? "<td></td>" : $"<td>{E(text)}</td>";

    internal const string Css = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0 auto; max-width: 1700px; padding: 1em 2em; color: #1d232a; }
        h1 { margin: .2em 0; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2em; margin-top: 1.6em; }
        .counts { font-size: 1.1em; } .note, .placeholder { color: #57606a; } .placeholder { font-style: italic; }
        #recommendation { background: #f0f7ff; border: 1px solid #b6d4fe; border-radius: 6px; padding: .2em 1em 1em; margin-top: 1.2em; }
        #recommendation h2 { border: 0; }
        #recommendation pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85em; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 1.2em; }
        figure { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: .5em; background: #fff; }
        figure img { width: 100%; height: auto; display: block; } figcaption { font-size: .9em; color: #424a53; margin-top: .3em; }
        table { border-collapse: collapse; font-size: .85em; margin: .5em 0; } th, td { border: 1px solid #d0d7de; padding: 3px 7px; text-align: right; white-space: nowrap; }
        td:first-child, th:first-child { text-align: left; } thead th { background: #f6f8fa; position: sticky; top: 0; }
        table.sortable th { cursor: pointer; user-select: none; } table.sortable th:hover { background: #eaeef2; }
        th[aria-sort=ascending]::after { content: " ▲"; } th[aria-sort=descending]::after { content: " ▼"; }
        tr.failed td { background: #fff0f0; } tr.running td, tr.pending td { color: #8c959f; } .pm { color: #6e7781; }
        .kv th { text-align: left; } .failed pre { background: #fff0f0; padding: .5em; white-space: pre-wrap; border-radius: 4px; }
        section > table { display: block; overflow-x: auto; max-width: 100%; }
        """;

    /// <summary>
    /// Sorts a table by a column on a header click (again: reversed). A column whose filled cells are all numbers
    /// (data-v, else the text) sorts numerically; empty cells go last either way. #sort=COL / #sort=-COL sorts the
    /// trial table on load.
    /// </summary>
    internal const string Script = """

        (function () {
          function key(row, col) { var c = row.cells[col]; if (!c) return ''; var v = c.getAttribute('data-v'); return v !== null ? v : c.textContent.trim(); }
          function sortTable(table, col, desc) {
            var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
            var numeric = rows.every(function (r) { var k = key(r, col); return k === '' || !isNaN(Number(k)); });
            rows.sort(function (a, b) {
              var x = key(a, col), y = key(b, col);
              if (x === '' || y === '') return (x === '') - (y === '');
              var c = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true });
              return desc ? -c : c;
            });
            rows.forEach(function (r) { body.appendChild(r); });
            Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
              if (i === col) th.setAttribute('aria-sort', desc ? 'descending' : 'ascending'); else th.removeAttribute('aria-sort');
            });
            table.setAttribute('data-sorted', table.tHead.rows[0].cells[col].getAttribute('data-col') + (desc ? ':desc' : ':asc'));
          }
          function fromHash() {
            var m = /(?:^#|&)sort=(-?)([^&]+)/.exec(location.hash);
            var table = document.getElementById('trials');
            if (!m || !table) return;
            var name = decodeURIComponent(m[2]);
            var cells = table.tHead.rows[0].cells;
            for (var i = 0; i < cells.length; i++) if (cells[i].getAttribute('data-col') === name) { sortTable(table, i, m[1] === '-'); return; }
          }
          document.querySelectorAll('table.sortable').forEach(function (table) {
            Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
              th.addEventListener('click', function () { sortTable(table, i, th.getAttribute('aria-sort') === 'ascending'); });
            });
          });
          window.addEventListener('hashchange', fromHash);
          fromHash();
        })();

        """;
}
