using SharpTune.Audit.Model;

namespace SharpTune.Audit;

/// <summary>One `data audit` run: inputs, thresholds, the optional model and planted record, and outputs.</summary>
public sealed record AuditRequest
{
    public required string Data { get; init; }
    public string? Dev { get; init; }
    public required string Out { get; init; }
    public string? WriteClean { get; init; }
    /// <summary>A planting record (`data plant --record`): the audit then measures itself against it.</summary>
    public string? Planted { get; init; }
    public int? Limit { get; init; }
    /// <summary>How many of the worst examples the HTML page shows.</summary>
    public int Worst { get; init; } = 100;
    public AuditOptions Options { get; init; } = new();
    public CrossValidationOptions? Model { get; init; }
}
