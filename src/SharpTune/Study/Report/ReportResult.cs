namespace SharpTune.Study.Report;

/// <summary>What <see cref="StudyReport.Write"/> produced: the page, its figures (drawn or skipped) and its points.</summary>
public sealed record ReportResult(string IndexPath, IReadOnlyList<ReportFigure> Figures, IReadOnlyList<TrialGroup> Points);
