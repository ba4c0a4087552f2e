using System.Text;
using System.Text.RegularExpressions;

namespace SharpTune.Retelling;

/// <summary>
/// Cues → transcript paragraphs. Rolling captions (YouTube's auto-captions show each line twice: at the bottom of one
/// cue and the top of the next; some tools also grow a line word by word) are de-duplicated: a cue's leading lines
/// that repeat the lines just emitted are skipped, and a line that extends the previous one replaces it. Paragraphs
/// break at a speaker change ("Name:" or a dialogue dash), at a pause, or — at a sentence end — once a paragraph has
/// run for about half a minute (at any cue after a minute and a half: auto-captions have no punctuation), so
/// timestamps stay coarse.
/// </summary>
public static partial class TranscriptBuilder
{
    public static readonly TimeSpan Pause = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan ParagraphSpan = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<string> Deduplicate(IReadOnlyList<SubtitleCue> cues) => Lines(cues).Select(l => l.Text).ToList();

    public static IReadOnlyList<TextParagraph> Paragraphs(IReadOnlyList<SubtitleCue> cues)
    {
        var paragraphs = new List<TextParagraph>();
        var text = new StringBuilder();
        TimeSpan start = TimeSpan.Zero, lastEnd = TimeSpan.Zero;
        foreach (var (line, cueStart, cueEnd) in Lines(cues))
        {
            if (text.Length > 0)
            {
                var current = text.ToString();
                bool speaker = Speaker().IsMatch(line);
                bool pause = cueStart - lastEnd >= Pause;
                bool long_ = cueStart - start >= ParagraphSpan && SentenceEnd().IsMatch(current);
                bool tooLong = cueStart - start >= 3 * ParagraphSpan; // speech without punctuation (auto-captions)
                if (speaker || pause || long_ || tooLong)
                {
                    paragraphs.Add(new TextParagraph(current, start));
                    text.Clear();
                }
            }
            if (text.Length == 0) start = cueStart;
            else text.Append(' ');
            text.Append(line);
            lastEnd = cueEnd;
        }
        if (text.Length > 0) paragraphs.Add(new TextParagraph(text.ToString(), start));
        return paragraphs;
    }

    private static List<(string Text, TimeSpan Start, TimeSpan End)> Lines(IReadOnlyList<SubtitleCue> cues)
    {
        var emitted = new List<(string Text, TimeSpan Start, TimeSpan End)>();
        foreach (var cue in cues)
        {
            // The longest run of this cue's first lines that equals the last lines emitted is a repeat.
            int skip = 0;
            for (int k = Math.Min(cue.Lines.Count, emitted.Count); k > 0; k--)
            {
                bool same = true;
                for (int j = 0; j < k && same; j++) same = emitted[emitted.Count - k + j].Text == cue.Lines[j];
                if (same) { skip = k; break; }
            }
            foreach (var line in cue.Lines.Skip(skip))
            {
                // A growing line ("we are" → "we are going to") replaces the shorter copy; it keeps its start time.
                if (emitted.Count > 0 && line.Length > emitted[^1].Text.Length && line.StartsWith(emitted[^1].Text + " ", StringComparison.Ordinal))
                    emitted[^1] = (line, emitted[^1].Start, cue.End);
                else emitted.Add((line, cue.Start, cue.End));
            }
            if (skip > 0 && emitted.Count > 0 && skip == cue.Lines.Count)
                emitted[^1] = (emitted[^1].Text, emitted[^1].Start, cue.End);
        }
        return emitted;
    }

    [GeneratedRegex(@"^(\p{Lu}[\p{L}\p{M}.' -]{0,30}:\s|[-–—]\s?\S)")] private static partial Regex Speaker();
    [GeneratedRegex(@"[.!?…][""'”»)\]]*$")] private static partial Regex SentenceEnd();
}
