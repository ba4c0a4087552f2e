using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;

namespace SharpTune.Retelling;

/// <summary>
/// The visible text of an HTML element as paragraphs: block elements (p, div, li, headings, table rows, pre …) end a
/// paragraph, inline elements join, whitespace collapses as a browser would (pre keeps its lines), and what a reader
/// never sees or that is page chrome (script, style, nav, header, footer, aside, forms, hidden) is dropped.
/// </summary>
public static partial class HtmlText
{
    private static readonly HashSet<string> Dropped =
    [
        "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "button", "select", "textarea",
        "iframe", "svg", "canvas", "object", "embed", "head", "menu", "dialog",
    ];

    private static readonly HashSet<string> Blocks =
    [
        "p", "div", "section", "article", "main", "blockquote", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "tr", "thead", "tbody", "tfoot", "caption", "figure", "figcaption", "pre", "hr", "address", "details", "summary", "body", "html",
    ];

    public static IReadOnlyList<string> Paragraphs(IElement root)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        void Flush()
        {
            var text = current.ToString().Trim();
            if (text.Length > 0) paragraphs.Add(text);
            current.Clear();
        }
        void Walk(INode node, bool pre)
        {
            switch (node)
            {
                case IText t:
                    if (pre) current.Append(t.Data.Replace("\r\n", "\n"));
                    else current.Append(Space().Replace(t.Data, " "));
                    return;
                case IElement e:
                    var name = e.LocalName;
                    if (Dropped.Contains(name) || e.HasAttribute("hidden") || e.GetAttribute("aria-hidden") == "true"
                        || (e.GetAttribute("style") ?? "").Replace(" ", "").Contains("display:none", StringComparison.OrdinalIgnoreCase)
                        || e.GetAttribute("role") is "navigation" or "banner" or "contentinfo")
                        return;
                    if (name == "br") { current.Append(pre ? "\n" : " "); return; }
                    bool block = Blocks.Contains(name);
                    if (block) Flush();
                    if (name is "td" or "th" && current.Length > 0) current.Append(" | ");
                    bool inPre = pre || name == "pre";
                    foreach (var child in e.ChildNodes) Walk(child, inPre);
                    if (block) Flush();
                    else if (name is "td" or "th") current.Append(' ');
                    return;
            }
        }
        Walk(root, false);
        Flush();
        // Inline collapsing can leave doubled spaces at element joins; pre text keeps its own lines.
        return paragraphs.Select(p => string.Join("\n", p.Split('\n').Select(l => Spaces().Replace(l, " ").TrimEnd()))).ToList();
    }

    [GeneratedRegex(@"\s+")] private static partial Regex Space();
    [GeneratedRegex(@"[ \t\u00A0]{2,}")] private static partial Regex Spaces();
}
