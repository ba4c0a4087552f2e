using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace SharpTune.Serving;

/// <summary>
/// The readable text of a page or transcript for /v1/summarize. A stopgap: src/SharpTune/Retelling (SmartReader for
/// pages, encoding detection, rolling-caption de-duplication) replaces it when it lands.
/// </summary>
public static partial class PageText
{
    public static string Guess(string text)
    {
        var head = text.TrimStart('\uFEFF', ' ', '\r', '\n', '\t');
        if (head.StartsWith("WEBVTT", StringComparison.Ordinal)) return "vtt";
        if (Timestamp().IsMatch(text)) return "srt";
        if (head.StartsWith('<') || HtmlTag().IsMatch(text)) return "html";
        return "text";
    }

    public static string Clean(string text, string format) => format switch
    {
        "html" => Html(text),
        "srt" or "vtt" => Captions(text),
        _ => Collapse(text),
    };

    private static string Html(string html)
    {
        var body = Dropped().Replace(html, " ");
        body = Comment().Replace(body, " ");
        body = Block().Replace(body, "\n");
        body = Tag().Replace(body, " ");
        return Collapse(WebUtility.HtmlDecode(body));
    }

    private static string Captions(string text)
    {
        var lines = new List<string>();
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim().TrimStart('\uFEFF');
            if (line.Length == 0 || line.StartsWith("WEBVTT") || line.StartsWith("NOTE") || line.All(char.IsDigit) || line.Contains("-->")) continue;
            line = Speaker().Replace(line, "$1: ");
            line = CueTag().Replace(line, "").Trim();
            // Rolling captions repeat the previous line.
            if (line.Length > 0 && (lines.Count == 0 || lines[^1] != line)) lines.Add(line);
        }
        return string.Join(" ", lines);
    }

    private static string Collapse(string text)
    {
        var sb = new StringBuilder();
        foreach (var para in text.ReplaceLineEndings("\n").Split("\n\n"))
        {
            var p = Spaces().Replace(para, " ").Trim();
            if (p.Length == 0) continue;
            if (sb.Length > 0) sb.Append("\n\n");
            sb.Append(p);
        }
        return sb.ToString();
    }

    [GeneratedRegex(@"\d{1,2}:\d{2}(:\d{2})?[,.]\d{3}\s*-->")] private static partial Regex Timestamp();
    [GeneratedRegex(@"<(html|body|p|div|article)\b", RegexOptions.IgnoreCase)] private static partial Regex HtmlTag();
    [GeneratedRegex(@"<(script|style|nav|footer|header|aside|noscript|template|svg)\b.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)] private static partial Regex Dropped();
    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)] private static partial Regex Comment();
    [GeneratedRegex(@"</?(p|div|br|li|h[1-6]|tr|section|article|blockquote|pre)\b[^>]*>", RegexOptions.IgnoreCase)] private static partial Regex Block();
    [GeneratedRegex(@"<[^>]*>")] private static partial Regex Tag();
    [GeneratedRegex(@"<v\s+([^>]+)>")] private static partial Regex Speaker();
    [GeneratedRegex(@"<[^>]*>|\{\\[^}]*\}")] private static partial Regex CueTag();
    [GeneratedRegex(@"[ \t\r\n]+")] private static partial Regex Spaces();
}
