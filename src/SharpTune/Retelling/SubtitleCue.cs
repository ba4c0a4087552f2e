namespace SharpTune.Retelling;

/// <summary>One cue of a .srt/.vtt file: its start time and its text lines, tags removed, speaker labels as "Name:".</summary>
public sealed record SubtitleCue(TimeSpan Start, TimeSpan End, IReadOnlyList<string> Lines);
