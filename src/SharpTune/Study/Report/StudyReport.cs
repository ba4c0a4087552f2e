using SharpTune.IO;

namespace SharpTune.Study.Report;

/// <summary>
/// `sharptune report`: aggregates a sweep's trials over seeds, draws the figures and writes OUT/index.html (one
/// self-contained page, images inlined) with the PNGs beside it. Every file is written atomically, the page last,
/// so a page never refers to a figure that is not there.
/// </summary>
public static class StudyReport
{
    public const string IndexFile = "index.html";

    public static ReportResult Write(IReadOnlyList<TrialRecord> trials, ReportOptions options, string outDir)
    {
        if (trials.Count == 0) throw new SharpTuneException("report: the sweep has no trials yet");
        var points = TrialGrouping.Group(trials);
        var plotted = TrialGrouping.SelectTuned(points, options.TunedKeys);
        var figures = ReportFigures.All(plotted, options);
        Directory.CreateDirectory(outDir);
        foreach (var f in figures.Where(f => f.Png is not null))
            AtomicFile.WriteAllBytes(Path.Combine(outDir, f.FileName), f.Png!);
        var index = Path.Combine(outDir, IndexFile);
        AtomicFile.WriteAllText(index, ReportPage.Html(trials, points, plotted, figures, options));
        TrialsExport.Write(trials, outDir);
        PointsExport.Write(points, outDir);
        return new ReportResult(index, figures, points);
    }
}
