using System.Globalization;
using ScottPlot;

namespace SharpTune.Study.Report;

/// <summary>
/// The report's figures, drawn with ScottPlot. Every point is a mean over seeds with ±1 standard deviation as its
/// error bar. A figure whose axis does not vary in the trials is skipped with the reason.
/// </summary>
public static class ReportFigures
{
    private const string Bars = "Error bars: ±1 standard deviation over seeds (the table gives the standard error and n).";

    public static IReadOnlyList<ReportFigure> All(IReadOnlyList<TrialGroup> groups, ReportOptions o)
    {
        var rankGroups = groups.Where(g => SettingLabels.UsesRank(g.Get("method"))).ToList();
        var figures = new List<ReportFigure>();
        foreach (var m in new[] { ReportMetric.RougeL, ReportMetric.Chrf })
            figures.Add(VsRank($"quality-vs-rank-{m.Name}", $"{m.Label} vs LoRA rank", rankGroups, m, o));
        foreach (var m in new[] { ReportMetric.RougeL, ReportMetric.Chrf })
            figures.Add(VsSetting($"quality-vs-data-{m.Name}", $"{m.Label} vs training examples", groups, "train_examples", "training examples (log scale)", m, o));
        foreach (var m in new[] { ReportMetric.UnsupportedTokens, ReportMetric.UnsupportedNumbers, ReportMetric.Injection, ReportMetric.Memorisation })
        {
            figures.Add(VsRank($"risk-vs-rank-{m.Name}", $"{Cap(m.Label)} vs LoRA rank", rankGroups, m, o));
            figures.Add(ByMethod($"risk-by-method-{m.Name}", $"{Cap(m.Label)} by method", groups, m, o));
        }
        figures.Add(CostQuality("cost-quality-parameters", "ROUGE-L vs trainable parameters (Pareto frontier)", groups, ReportMetric.Parameters, o));
        figures.Add(CostQuality("cost-quality-seconds", "ROUGE-L vs training time (Pareto frontier)", groups, ReportMetric.Seconds, o));
        return figures;
    }

    private static ReportFigure VsRank(string name, string title, IReadOnlyList<TrialGroup> groups, ReportMetric metric, ReportOptions o)
    {
        var series = PlotSeries.ByXSetting(groups, "rank", metric, o.TunedKeys);
        if (series.Count == 0) return ReportFigure.Skip(name, title, NoVariation(groups, "rank", metric, "LoRA rank"));
        var plot = NewPlot(title, "LoRA rank (log₂ scale)", metric.Label);
        AddSeries(plot, series, Math.Log2);
        var ranks = series.SelectMany(s => s.Points).Select(p => p.X).Distinct().Order().ToArray();
        plot.Axes.Bottom.SetTicks(ranks.Select(Math.Log2).ToArray(), ranks.Select(r => r.ToString("0", CultureInfo.InvariantCulture)).ToArray());
        var caption = Bars + SeriesNote;
        var widths = series.SelectMany(s => s.Points).Select(p => RankWidth.Width(p.Group, o.BaseHiddenSize)).OfType<double>().Distinct().Order().ToList();
        foreach (var w in widths.Where(w => w <= ranks[^1]))
        {
            // ScottPlot's HorizontalSpan covers a range of x.
            var span = plot.Add.HorizontalSpan(Math.Log2(w), Math.Log2(ranks[^1]) + 0.35, Colors.Gray.WithAlpha(0.18));
            span.LegendText = $"rank ≥ width {w:0}: full-rank update";
            caption += $" Shaded: rank ≥ the layer width {w:0}, where the update can be full-rank.";
        }
        return Render(plot, name, title, caption, o);
    }

    private static ReportFigure VsSetting(string name, string title, IReadOnlyList<TrialGroup> groups, string key, string xLabel, ReportMetric metric, ReportOptions o)
    {
        var series = PlotSeries.ByXSetting(groups, key, metric, o.TunedKeys);
        if (series.Count == 0) return ReportFigure.Skip(name, title, NoVariation(groups, key, metric, key));
        var plot = NewPlot(title, xLabel, metric.Label);
        AddSeries(plot, series, Math.Log10);
        var xs = series.SelectMany(s => s.Points).Select(p => p.X).Distinct().Order().ToArray();
        var ticks = xs.Length <= 10 ? xs : LogTicks(xs[0], xs[^1]);
        plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(SettingLabels.Count).ToArray());
        return Render(plot, name, title, Bars + SeriesNote, o);
    }

    private const string SeriesNote = " Lines with fewer x values than the others (points of other sweeps) are left out; the tables have them.";

    /// <summary>
    /// Grouped bars, one category per method arm. The trials of a study come from several sweeps, so the settings
    /// every point has (data size, noise…) split them into slices; the chart shows the slices under which the most
    /// methods were run (the method comparison), one bar colour each. Settings only some methods have (rank,
    /// scaling) name the arm when they vary within its method ("lora r=8").
    /// </summary>
    private static ReportFigure ByMethod(string name, string title, IReadOnlyList<TrialGroup> groups, ReportMetric metric, ReportOptions o)
    {
        var candidates = groups.Where(g => g.Stat(metric) is not null).ToList();
        string Method(TrialGroup g) => g.Get("method") ?? "(default)";
        if (candidates.Select(Method).Distinct().Count() < 2)
            return ReportFigure.Skip(name, title, candidates.Count == 0 ? $"no finished trial measured {metric.Name}"
                : $"no variation in method among the trials that measured {metric.Name} (only {Method(candidates[0])})");
        var everywhere = candidates.SelectMany(g => g.Settings.Keys).Distinct().Where(k => candidates.All(g => g.Get(k) is not null)).ToList();
        var excluded = new[] { "method", "rank", "scaling", TrialGrouping.SeedKey }.Concat(o.TunedKeys).ToHashSet();
        var sliceKeys = SettingLabels.Varying(candidates, excluded).Where(everywhere.Contains).ToList();
        var slices = candidates.GroupBy(g => SettingLabels.Describe(g, sliceKeys)).ToList();
        var most = slices.Max(s => s.Select(Method).Distinct().Count());
        if (most < 2)
            return ReportFigure.Skip(name, title, $"no variation in method within any one setting of {string.Join(", ", sliceKeys)}");
        slices = slices.Where(s => s.Select(Method).Distinct().Count() == most).ToList();
        var shown = slices.SelectMany(s => s).ToList();
        var armKeys = SettingLabels.Varying(shown, [.. sliceKeys, "method", TrialGrouping.SeedKey, .. o.TunedKeys]);
        string Category(TrialGroup g)
        {
            var own = shown.Where(c => Method(c) == Method(g)).ToList();
            var keys = armKeys.Where(k => own.Select(c => c.Get(k)).Distinct().Count() > 1).ToList();
            return keys.Count == 0 ? Method(g) : $"{Method(g)} {SettingLabels.Describe(g, keys).Replace(", ", " ")}";
        }
        var categories = shown.OrderBy(g => MethodIndex(g.Get("method"))).ThenBy(g => g.Number("rank") ?? 0).ThenBy(g => g.Get("scaling"))
            .Select(Category).Distinct().ToList();
        var plot = NewPlot(title, "", metric.Label);
        var palette = new ScottPlot.Palettes.Category10();
        var width = 0.8 / slices.Count;
        for (var s = 0; s < slices.Count; s++)
        {
            var bars = slices[s].Select(g =>
            {
                var st = g.Stat(metric)!;
                return new Bar
                {
                    Position = categories.IndexOf(Category(g)) - 0.4 + width * (s + 0.5), Value = st.Mean, Error = st.Sd,
                    Size = width * 0.9, FillColor = palette.GetColor(s),
                };
            }).ToArray();
            var bp = plot.Add.Bars(bars);
            if (slices.Count > 1 || sliceKeys.Count > 0) bp.LegendText = slices[s].Key;
        }
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, categories.Count).Select(i => (double)i).ToArray(), categories.ToArray());
        if (categories.Count > 4)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 30;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperLeft;
            plot.Axes.Bottom.MinimumSize = 90;
        }
        plot.Axes.Margins(bottom: 0);
        var omitted = candidates.Count - shown.Count;
        var caption = Bars + (omitted > 0 ? $" Shown: the setting(s) under which the most methods ran; {omitted} points of other sweeps are in the tables." : "");
        return Render(plot, name, title, caption, o);
    }

    /// <summary>Every point's mean cost and ROUGE-L with both spreads; the Pareto frontier as a line, its points labelled.</summary>
    private static ReportFigure CostQuality(string name, string title, IReadOnlyList<TrialGroup> groups, ReportMetric cost, ReportOptions o)
    {
        var points = groups.Select(g => (G: g, C: g.Stat(cost), Q: g.Stat(ReportMetric.RougeL)))
            .Where(p => p.C is not null && p.Q is not null && p.C.Mean > 0).ToList();
        if (points.Select(p => p.C!.Mean).Distinct().Count() < 2)
            return ReportFigure.Skip(name, title, points.Count == 0 ? $"no finished trial has both {cost.Name} and rougeL"
                : $"no variation in {cost.Name} among the trials");
        var log = points.Max(p => p.C!.Mean) / points.Min(p => p.C!.Mean) >= 10;
        Func<double, double> tx = log ? Math.Log10 : x => x;
        var plot = NewPlot(title, cost.Label + (log ? " (log scale)" : ""), ReportMetric.RougeL.Label);
        var xs = points.Select(p => tx(p.C!.Mean)).ToArray();
        var ys = points.Select(p => p.Q!.Mean).ToArray();
        var eb = plot.Add.ErrorBar(xs, ys, points.Select(p => p.Q!.Sd).ToArray());
        eb.XErrorNegative = points.Select(p => tx(p.C!.Mean) - tx(Math.Max(p.C.Mean - p.C.Sd, p.C.Mean * 1e-3))).ToArray();
        eb.XErrorPositive = points.Select(p => tx(p.C!.Mean + p.C.Sd) - tx(p.C.Mean)).ToArray();
        eb.Color = Colors.Gray;
        var all = plot.Add.Markers(xs, ys, MarkerShape.FilledCircle, 7, Colors.SteelBlue);
        all.LegendText = "configurations";
        var frontier = ParetoFrontier.Indices(points.Select(p => (p.C!.Mean, p.Q!.Mean)).ToList());
        var line = plot.Add.ScatterLine(frontier.Select(i => xs[i]).ToArray(), frontier.Select(i => ys[i]).ToArray(), Colors.Crimson);
        line.LineWidth = 2;
        line.MarkerShape = MarkerShape.OpenCircle;
        line.MarkerSize = 12;
        line.LegendText = "Pareto frontier";
        // Numbers on the plot, names in the caption: full labels would cover the curve.
        var keys = SettingLabels.Varying(points.Select(p => p.G).ToList(), [TrialGrouping.SeedKey, .. o.TunedKeys]);
        var names = new List<string>();
        for (var k = 0; k < frontier.Count; k++)
        {
            var i = frontier[k];
            var t = plot.Add.Text($"{k + 1}", xs[i], ys[i]);
            t.LabelFontSize = 13;
            t.LabelBold = true;
            t.OffsetX = 7;
            t.OffsetY = 4;
            t.LabelFontColor = Colors.Crimson;
            names.Add($"{k + 1} = {SettingLabels.Describe(points[i].G, keys)} ({ReportMetric.RougeL.Label} {points[i].Q!.Mean.ToString(ReportMetric.RougeL.Format, CultureInfo.InvariantCulture)}, {cost.Label} {points[i].C!.Mean.ToString(cost.Format, CultureInfo.InvariantCulture)})");
        }
        if (log)
        {
            var ticks = LogTicks(points.Min(p => p.C!.Mean), points.Max(p => p.C!.Mean));
            plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log10).ToArray(), ticks.Select(SettingLabels.Count).ToArray());
        }
        return Render(plot, name, title, "Blue: each configuration's mean (grey bars: ±1 standard deviation over seeds on both axes). "
            + "Red: the Pareto frontier — no other configuration is both cheaper and better. Frontier, cheapest first: " + string.Join("; ", names) + ".", o);
    }

    private static void AddSeries(Plot plot, IReadOnlyList<PlotSeries> series, Func<double, double> tx)
    {
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var color = palette.GetColor(i);
            var xs = s.Points.Select(p => tx(p.X)).ToArray();
            var ys = s.Points.Select(p => p.Y.Mean).ToArray();
            var eb = plot.Add.ErrorBar(xs, ys, s.Points.Select(p => p.Y.Sd).ToArray());
            eb.Color = color;
            var sc = plot.Add.Scatter(xs, ys, color);
            sc.LegendText = s.Label;
            sc.MarkerSize = 7;
        }
    }

    /// <summary>A sans-serif face that is installed (ScottPlot's own default may resolve to a serif one on Linux).</summary>
    private static readonly string? Sans = new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" }
        .FirstOrDefault(SkiaSharp.SKFontManager.Default.GetFontFamilies().Contains);

    internal static Plot NewPlot(string title, string x, string y)
    {
        var plot = new Plot();
        if (Sans is not null) plot.Font.Set(Sans);
        plot.Title(title, 15);
        plot.XLabel(x, 13);
        plot.YLabel(y, 13);
        return plot;
    }

    private static ReportFigure Render(Plot plot, string name, string title, string caption, ReportOptions o)
    {
        if (plot.GetPlottables().Any(p => p.LegendItems.Any(li => !string.IsNullOrEmpty(li.LabelText))))
            plot.ShowLegend(Edge.Right);
        var png = plot.GetImageBytes(o.PlotWidth, o.PlotHeight, ImageFormat.Png);
        return new ReportFigure(name, title, caption, png, null);
    }

    private static string NoVariation(IReadOnlyList<TrialGroup> groups, string key, ReportMetric metric, string what)
    {
        var values = groups.Where(g => g.Stat(metric) is not null).Select(g => g.Get(key)).OfType<string>().Distinct().ToList();
        return values.Count switch
        {
            0 => $"no finished trial has both a {key} setting and {metric.Name}",
            1 => $"no variation in {what}: every trial with {metric.Name} has {key} = {values[0]}",
            _ => $"no series with two or more {what} values once the other varying settings are held fixed",
        };
    }

    private static int MethodIndex(string? method)
    {
        var i = method is null ? -1 : SettingLabels.MethodOrder.ToList().IndexOf(method);
        return i < 0 ? SettingLabels.MethodOrder.Count : i;
    }

    /// <summary>1-2-5 ticks per decade covering [min, max].</summary>
    private static double[] LogTicks(double min, double max)
    {
        var ticks = new List<double>();
        for (var e = Math.Floor(Math.Log10(min)); e <= Math.Ceiling(Math.Log10(max)); e++)
            foreach (var m in new[] { 1.0, 2, 5 })
            {
                var t = m * Math.Pow(10, e);
                if (t >= min / 3 && t <= max * 3) ticks.Add(t); // ticks beyond the data are not drawn
            }
        return ticks.ToArray();
    }

    private static string Cap(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
