namespace SharpTune.Tokenization;

/// <summary>A piece of text to encode; only trusted pieces (a chat template's own text) may produce special tokens.</summary>
public sealed record TextPart(string Text, bool Trusted);
