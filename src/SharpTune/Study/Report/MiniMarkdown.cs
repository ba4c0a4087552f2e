using System.Text;
using System.Text.RegularExpressions;
using static System.Net.WebUtility;

namespace SharpTune.Study.Report;

/// <summary>
/// The little Markdown the recommendation uses — headings, paragraphs, "- " lists, **bold**, `code` — rendered to
/// HTML. Text is escaped first, so nothing in it can become markup or script.
/// </summary>
public static partial class MiniMarkdown
{
    public static string ToHtml(string markdown)
    {
        var html = new StringBuilder();
        var paragraph = new List<string>();
        var inList = false;
        void Flush()
        {
            if (paragraph.Count > 0) { html.Append("<p>").Append(string.Join(" ", paragraph.Select(Inline))).Append("</p>\n"); paragraph.Clear(); }
        }
        void CloseList() { if (inList) { html.Append("</ul>\n"); inList = false; } }
        foreach (var raw in markdown.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.Length == 0) { Flush(); CloseList(); continue; }
            var h = Heading().Match(line);
            if (h.Success)
            {
                Flush(); CloseList();
                var level = Math.Min(6, h.Groups[1].Length + 2); // the section itself is an h2
                html.Append($"<h{level}>{Inline(h.Groups[2].Value)}</h{level}>\n");
            }
            else if (line.TrimStart().StartsWith("- ") || line.TrimStart().StartsWith("* "))
            {
                Flush();
                if (!inList) { html.Append("<ul>\n"); inList = true; }
                html.Append("<li>").Append(Inline(line.TrimStart()[2..])).Append("</li>\n");
            }
            else
            {
                CloseList();
                paragraph.Add(line.Trim());
            }
        }
        Flush(); CloseList();
        return html.ToString();
    }

    private static string Inline(string text)
    {
        var s = HtmlEncode(text);
        s = Code().Replace(s, "<code>$1</code>");
        return Bold().Replace(s, "<strong>$1</strong>");
    }

    [GeneratedRegex(@"^(#{1,4})\s+(.*)$")] private static partial Regex Heading();
    [GeneratedRegex(@"`([^`]+)`")] private static partial Regex Code();
    [GeneratedRegex(@"\*\*(.+?)\*\*")] private static partial Regex Bold();
}
