namespace SharpTune.Retelling;

/// <summary>One first-level chunk of the input and the model's summary of it.</summary>
public sealed record ChunkSummary(string Text, int FirstParagraph, string Summary);
