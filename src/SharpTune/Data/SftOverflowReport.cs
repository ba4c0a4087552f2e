namespace SharpTune.Data;

/// <summary>How many examples of a file were over --max-length: cut to fit (overflow truncate) or left out (skip).</summary>
public sealed record SftOverflowReport(int Truncated, int Skipped);
