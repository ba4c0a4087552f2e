namespace SharpTune.Retelling;

/// <summary>The cleaned text of one input, as paragraphs (what `extract` prints and `summarize` reads).</summary>
public sealed record ExtractedDocument(string Name, InputKind Kind, DecodedText Decoded, IReadOnlyList<TextParagraph> Paragraphs)
{
    /// <summary>Paragraphs separated by blank lines; with timestamps, transcript paragraphs start with "[mm:ss] ".</summary>
    public string Render(bool timestamps = false) =>
        string.Join("\n\n", Paragraphs.Select(p => timestamps && p.Start is TimeSpan t ? $"[{Stamp(t)}] {p.Text}" : p.Text));

    public int Characters => Paragraphs.Sum(p => p.Text.Length);

    /// <summary>mm:ss, or h:mm:ss past the first hour.</summary>
    public static string Stamp(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{(int)t.TotalMinutes:00}:{t.Seconds:00}";
}
