using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace SharpTune.Retelling;

/// <summary>
/// The main content of a saved web page: SmartReader (a port of Mozilla's Readability) picks the article; when it finds
/// none (short pages, documentation indexes), the whole body is read with page chrome dropped. Nothing is fetched:
/// the page is parsed from the given text only.
/// </summary>
public static class HtmlExtractor
{
    public sealed record Result(string? Title, IReadOnlyList<string> Paragraphs, bool Article);

    public static Result Extract(string html, string name)
    {
        var parser = new HtmlParser();
        var uri = "file:///" + Uri.EscapeDataString(Path.GetFileName(name));
        var title = parser.ParseDocument(html).Title?.Trim();
        try
        {
            var reader = new SmartReader.Reader(uri, parser.ParseDocument(html)) { Debug = false };
            var article = reader.GetArticle();
            if (article.IsReadable && !string.IsNullOrWhiteSpace(article.Content))
            {
                var body = parser.ParseDocument("<html><body>" + article.Content + "</body></html>").Body!;
                var paragraphs = HtmlText.Paragraphs(body);
                if (paragraphs.Sum(p => p.Length) > 0)
                    return new Result(string.IsNullOrWhiteSpace(article.Title) ? title : article.Title.Trim(), paragraphs, true);
            }
        }
        // SmartReader is heuristics over arbitrary markup: any failure in it falls back to the plain body walk.
        catch (Exception e) when (e is not OutOfMemoryException) { }
        var doc = parser.ParseDocument(html);
        var root = (IHtmlElement?)doc.Body ?? (IHtmlElement?)doc.DocumentElement;
        return new Result(title, root is null ? [] : HtmlText.Paragraphs(root), false);
    }
}
