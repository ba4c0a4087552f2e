namespace SharpTune.Audit;

/// <summary>What detectors see: the training examples, the dev examples (for leakage; may be empty) and the thresholds.</summary>
public sealed record AuditContext(IReadOnlyList<AuditExample> Train, IReadOnlyList<AuditExample> Dev, AuditOptions Options);
