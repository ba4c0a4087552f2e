using System.Text;
using System.Text.RegularExpressions;
using static System.Net.WebUtility;

namespace SharpTune.Study.Report;

/// <summary>
/// The little Markdown the recommendation uses — headings, paragraphs, "- " lists, **bold**, `code`, and ``` fenced
/// blocks (kept verbatim in a &lt;pre&gt;: publish.sh fences the recommendation's plain text) — rendered to HTML. Text is
/// escaped first, so nothing in it can become markup or script.
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
        StringBuilder? fenced = null;
        foreach (var raw in markdown.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.TrimStart().StartsWith("```"))
            {
                if (fenced is null) { Flush(); CloseList(); fenced = new StringBuilder(); }
                else { html.Append("<pre>").Append(HtmlEncode(fenced.ToString().TrimEnd('\n'))).Append("</pre>\n"); fenced = null; }
                continue;
            }
            if (fenced is not null) { fenced.Append(raw).Append('\n'); continue; }
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
        if (fenced is not null) html.Append("<pre>").Append(HtmlEncode(fenced.ToString().TrimEnd('\n'))).Append("</pre>\n"); // an unclosed fence runs to the end
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
