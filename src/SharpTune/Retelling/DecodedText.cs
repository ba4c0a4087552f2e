namespace SharpTune.Retelling;

/// <summary>Bytes turned into text, with the encoding that was used and how it was chosen (BOM, valid UTF-8, detector).</summary>
public sealed record DecodedText(string Text, string Encoding, string How);
