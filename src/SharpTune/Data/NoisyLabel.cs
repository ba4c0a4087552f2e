namespace SharpTune.Data;

/// <summary>One corrupted training answer, recorded so evaluation can ask whether the model learned the corruption.</summary>
public sealed record NoisyLabel(string Id, string Kind, string Source, string Clean, string Noisy);
