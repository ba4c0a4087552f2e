using SharpTune.Audit.Planting;

namespace SharpTune.Audit;

/// <summary>What an audit found and wrote.</summary>
public sealed record AuditResult(int Examples, IReadOnlyList<AuditEntry> Entries, IReadOnlyList<ModelScore>? Model, PlantedEvaluation? Planted,
                                 string AuditPath, string PagePath, int? Kept);
