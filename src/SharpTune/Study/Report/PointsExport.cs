using System.Globalization;
using CsvHelper;
using SharpTune.IO;

namespace SharpTune.Study.Report;

/// <summary>
/// points.csv beside the page: one row per point (the finished trials that share every setting but the seed) with
/// every setting, n, the seeds, and each metric's mean and sample standard deviation over those seeds — the numbers
/// of the page's points table, so a write-up quotes them instead of re-averaging trials.csv by hand.
/// </summary>
public static class PointsExport
{
    public const string CsvFile = "points.csv";

    public static void Write(IReadOnlyList<TrialGroup> points, string outDir)
    {
        var inv = CultureInfo.InvariantCulture;
        var settings = points.SelectMany(p => p.Settings.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var metrics = ReportMetric.Table.Where(m => points.Any(p => p.Stat(m) is not null)).ToList();
        using var text = new StringWriter(inv);
        using (var csv = CsvWriter.Create(text, CsvWriterOptions.Default, false))
        {
            foreach (var h in settings.Concat(["n", "seeds"]).Concat(metrics.SelectMany(m => new[] { m.Name + "_mean", m.Name + "_sd" })))
                csv.WriteField(h);
            csv.EndRecord();
            foreach (var p in points)
            {
                foreach (var k in settings) csv.WriteField(p.Get(k));
                csv.WriteField(p.Trials.Count.ToString(inv));
                csv.WriteField(string.Join(' ', p.Seeds));
                foreach (var m in metrics)
                {
                    var st = p.Stat(m);
                    csv.WriteField(st?.Mean.ToString("R", inv));
                    csv.WriteField(st is { N: > 1 } ? st.Sd.ToString("R", inv) : null); // one seed: no spread to report
                }
                csv.EndRecord();
            }
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, CsvFile), text.ToString());
    }
}
