namespace SharpTune.Retelling;

/// <summary>
/// A map-reduce retelling: the final summary, the first-level chunks with their summaries, how many reduce levels ran
/// (0: the text fitted one prompt), and how many texts the model summarised in all.
/// </summary>
public sealed record RetellResult(string Summary, IReadOnlyList<ChunkSummary> Chunks, int ReduceLevels, int ModelCalls, double MapSeconds, double ReduceSeconds);
