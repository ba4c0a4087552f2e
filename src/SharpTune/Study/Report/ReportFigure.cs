namespace SharpTune.Study.Report;

/// <summary>A figure of the report: a PNG, or the reason it was skipped (no variation on its axis, nothing measured).</summary>
public sealed record ReportFigure(string Name, string Title, string Caption, byte[]? Png, string? SkipReason)
{
    public string FileName => Name + ".png";

    public static ReportFigure Skip(string name, string title, string reason) => new(name, title, "", null, reason);
}
