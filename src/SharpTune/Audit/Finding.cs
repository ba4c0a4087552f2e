namespace SharpTune.Audit;

/// <summary>
/// One detector's verdict on one example (by its index in the data): a kind, a detail, and a severity in (0, 1]
/// (1: certainly wrong for training, e.g. an empty answer; lower: a suspicion, e.g. a length outlier).
/// </summary>
public sealed record Finding(int Index, string Kind, string Detail, double Severity);
