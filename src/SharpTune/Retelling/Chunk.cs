namespace SharpTune.Retelling;

/// <summary>A piece of the input that fits the model's prompt: its text and the paragraph it starts in.</summary>
public sealed record Chunk(string Text, int FirstParagraph);
