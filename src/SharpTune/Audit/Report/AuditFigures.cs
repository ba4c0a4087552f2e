using ScottPlot;
using SharpTune.Study.Report;

namespace SharpTune.Audit.Report;

/// <summary>The audit page's figures (ScottPlot, as the study report): flags per finding kind; the model's held-out loss against ROUGE-L.</summary>
public static class AuditFigures
{
    public static List<ReportFigure> All(IReadOnlyList<AuditEntry> entries, IReadOnlyList<ModelScore>? model, double flagShare)
    {
        var figures = new List<ReportFigure>();
        var kinds = entries.SelectMany(e => e.Reasons.Select(r => r.Kind).Distinct()).GroupBy(k => k).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).ToList();
        if (kinds.Count == 0) figures.Add(ReportFigure.Skip("flags-by-kind", "Flagged examples by finding", "nothing was flagged"));
        else
        {
            var plot = ReportFigures.NewPlot("Flagged examples by finding", "examples", "");
            // Horizontal bars, most frequent on top, so the finding names read as they are written.
            var values = kinds.Select(g => (double)g.Count()).Reverse().ToArray();
            var bars = plot.Add.Bars(values);
            bars.Horizontal = true;
            plot.Axes.Left.SetTicks(Enumerable.Range(0, kinds.Count).Select(i => (double)i).ToArray(), kinds.Select(g => g.Key).Reverse().ToArray());
            plot.Axes.Left.MinimumSize = 170;
            plot.Axes.Margins(left: 0);
            figures.Add(new ReportFigure("flags-by-kind", "Flagged examples by finding", "An example with several reasons counts once under each.",
                plot.GetImageBytes(900, 520, ImageFormat.Png), null));
        }
        if (model is not { Count: > 0 })
            figures.Add(ReportFigure.Skip("model-loss-rouge", "Held-out loss vs ROUGE-L", "no model was given (--model DIR runs the cross-validated folds)"));
        else
        {
            var plot = ReportFigures.NewPlot("Held-out label loss vs the model's own summary", "ROUGE-L F1 of the model's summary with the label", "loss of the label (nats/token)");
            var flagged = model.OrderByDescending(m => m.Rank).ThenBy(m => m.Line).Take((int)Math.Ceiling(flagShare * model.Count)).Select(m => m.Line).ToHashSet();
            var finite = model.Where(m => double.IsFinite(m.Loss)).ToList();
            var rest = finite.Where(m => !flagged.Contains(m.Line)).ToList();
            var top = finite.Where(m => flagged.Contains(m.Line)).ToList();
            var a = plot.Add.ScatterPoints(rest.Select(m => m.RougeL).ToArray(), rest.Select(m => m.Loss).ToArray());
            a.LegendText = "not flagged"; a.MarkerSize = 4; a.Color = Colors.SteelBlue.WithAlpha(0.45);
            if (top.Count > 0)
            {
                var b = plot.Add.ScatterPoints(top.Select(m => m.RougeL).ToArray(), top.Select(m => m.Loss).ToArray());
                b.LegendText = $"flagged (top {flagShare:P0} of ranks)"; b.MarkerSize = 6; b.Color = Colors.Crimson;
            }
            plot.ShowLegend(Edge.Right);
            figures.Add(new ReportFigure("model-loss-rouge", "Held-out loss vs ROUGE-L",
                "Each dot a held-out example scored by the fold model that did not see it. High loss and low ROUGE-L: a label the model would not have written.",
                plot.GetImageBytes(900, 520, ImageFormat.Png), null));
        }
        return figures;
    }
}
