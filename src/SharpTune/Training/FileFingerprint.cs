using System.Text.Json.Serialization;

namespace SharpTune.Training;

/// <summary>One input file of a run: its name (for messages; a moved or renamed file is the same input) and its content.</summary>
public sealed record FileFingerprint(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);
