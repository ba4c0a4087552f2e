namespace SharpTune.Study.Report;

/// <summary>What the report needs besides the trials.</summary>
public sealed record ReportOptions
{
    /// <summary>The sweep's name for the header; the trials' own "sweep" field when null.</summary>
    public string? SweepName { get; init; }

    /// <summary>Free text: what of the planned grid was not run (seeds, sizes) and why. Shown escaped.</summary>
    public string? CutNote { get; init; }

    /// <summary>The recommend step's text as Markdown (rendered safely), or as HTML it produced itself (inserted as is).</summary>
    public string? RecommendationMarkdown { get; init; }
    public string? RecommendationHtml { get; init; }

    /// <summary>The base model's hidden size, for trials whose settings carry no "hidden_size".</summary>
    public int? BaseHiddenSize { get; init; }

    /// <summary>Settings tuned on a grid per configuration; plots show the best value's point (see <see cref="TrialGrouping.SelectTuned"/>).</summary>
    public IReadOnlyCollection<string> TunedKeys { get; init; } = ["lr"];

    public int PlotWidth { get; init; } = 800;
    public int PlotHeight { get; init; } = 460;
}
