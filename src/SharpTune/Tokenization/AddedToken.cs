namespace SharpTune.Tokenization;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>: matched in raw text before any normalisation.</summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool LStrip = false, bool RStrip = false, bool SingleWord = false, bool Normalized = false);
