using System.Text.RegularExpressions;

namespace SharpTune.Retelling;

/// <summary>Plain text → paragraphs at blank lines; line breaks inside a paragraph and trailing spaces are kept tidy.</summary>
public static partial class PlainText
{
    public static IReadOnlyList<string> Paragraphs(string text) =>
        Blank().Split(text.Replace("\r\n", "\n").Replace('\r', '\n'))
            .Select(p => string.Join("\n", p.Split('\n').Select(l => l.TrimEnd())).Trim('\n'))
            .Where(p => p.Trim().Length > 0)
            .ToList();

    [GeneratedRegex(@"\n[ \t\f\v]*\n")] private static partial Regex Blank();
}
