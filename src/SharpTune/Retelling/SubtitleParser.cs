using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using SharpTune.IO;

namespace SharpTune.Retelling;

/// <summary>
/// SubRip (.srt) and WebVTT (.vtt) cues: cue numbers/identifiers, timing lines and cue settings go; formatting tags
/// (&lt;i&gt;, &lt;b&gt;, &lt;font …&gt;, &lt;c.color&gt;, karaoke times &lt;00:01.500&gt;) and SSA overrides ({\an8})
/// go; a WebVTT voice &lt;v Alice&gt; becomes "Alice: "; labels written as text ("ALICE:") stay as they are.
/// </summary>
public static partial class SubtitleParser
{
    public static IReadOnlyList<SubtitleCue> Parse(string text, InputKind kind, string name)
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var cues = new List<SubtitleCue>();
        int i = 0;
        if (kind == InputKind.Vtt)
        {
            if (!lines[0].TrimStart('\uFEFF').StartsWith("WEBVTT", StringComparison.Ordinal))
                throw new SharpTuneException($"{name}: not WebVTT (the first line must start with WEBVTT)");
            while (i < lines.Length && lines[i].Trim().Length > 0) i++; // header block
        }
        while (i < lines.Length)
        {
            // One block: lines up to the next blank line.
            while (i < lines.Length && lines[i].Trim().Length == 0) i++;
            int start = i;
            while (i < lines.Length && lines[i].Trim().Length > 0) i++;
            var block = lines[start..i];
            if (block.Length == 0) continue;
            if (kind == InputKind.Vtt && Regex.IsMatch(block[0], @"^(NOTE|STYLE|REGION)(\s|$)")) continue;
            int timing = Array.FindIndex(block, l => l.Contains("-->"));
            if (timing < 0 || timing > 2) continue; // stray text without a timing line: not a cue
            var m = Timing().Match(block[timing]);
            if (!m.Success) continue;
            var text2 = block[(timing + 1)..].Select(Clean).Where(l => l.Length > 0).ToList();
            if (text2.Count > 0) cues.Add(new SubtitleCue(Time(m.Groups[1].Value), Time(m.Groups[2].Value), text2));
        }
        if (cues.Count == 0) throw new SharpTuneException($"{name}: no subtitle cues found (expected blocks with a 00:00:01,000 --> 00:00:02,000 timing line)");
        return cues;
    }

    public static string Clean(string line)
    {
        line = Voice().Replace(line, m => m.Groups[1].Value.Trim() + ": ");
        line = Tags().Replace(line, "");
        line = Overrides().Replace(line, "");
        line = WebUtility.HtmlDecode(line);
        return Spaces().Replace(line, " ").Trim();
    }

    private static TimeSpan Time(string s)
    {
        var parts = s.Replace(',', '.').Split(':');
        double seconds = double.Parse(parts[^1], CultureInfo.InvariantCulture);
        int minutes = int.Parse(parts[^2], CultureInfo.InvariantCulture);
        int hours = parts.Length == 3 ? int.Parse(parts[0], CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromHours(hours) + TimeSpan.FromMinutes(minutes) + TimeSpan.FromSeconds(seconds);
    }

    [GeneratedRegex(@"^\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*((?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})")] private static partial Regex Timing();
    [GeneratedRegex(@"<v(?:\.[^ >]*)?\s+([^>]+)>")] private static partial Regex Voice();
    [GeneratedRegex(@"</?[A-Za-z][^<>]*>|</?[a-z]+>|<\d[\d:.]*>")] private static partial Regex Tags();
    [GeneratedRegex(@"\{\\[^}]*\}")] private static partial Regex Overrides();
    [GeneratedRegex(@"\s+")] private static partial Regex Spaces();
}
