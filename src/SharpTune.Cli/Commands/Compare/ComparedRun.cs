namespace SharpTune.Cli.Commands.Compare;

/// <summary>One benchmark process's result: which side ran it, its tokens/s and its own peak RSS.</summary>
public sealed record ComparedRun(string Side, string Workload, double TokensPerSecond, long PeakRssBytes, string Json);
