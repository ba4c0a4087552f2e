namespace SharpTune.Retelling;

/// <summary>One paragraph of extracted text; transcripts know when it starts.</summary>
public sealed record TextParagraph(string Text, TimeSpan? Start = null);
