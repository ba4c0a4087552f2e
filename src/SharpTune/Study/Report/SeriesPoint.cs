namespace SharpTune.Study.Report;

/// <summary>One plotted point: x (a setting or a cost), y's spread over seeds, x's spread when x is measured.</summary>
public sealed record SeriesPoint(double X, Spread Y, Spread? XSpread, TrialGroup Group);
