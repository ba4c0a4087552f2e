namespace SharpTune.Retelling;

/// <summary>What an input file holds, from its extension or (stdin, unknown extensions) its first lines.</summary>
public enum InputKind { Text, Html, Srt, Vtt }
