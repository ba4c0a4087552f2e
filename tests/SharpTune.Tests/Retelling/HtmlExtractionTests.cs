using System.Text;
using SharpTune.Retelling;

namespace SharpTune.Tests.Retelling;

/// <summary>A saved page's main text: the article, without menus, scripts, styles, headers, footers or sidebars.</summary>
public class HtmlExtractionTests
{
    private const string Chrome = """
        <header><div class="logo">Daily Bread News</div><nav><a href="/">Home</a> <a href="/sports">Sports</a> <a href="/login">Log in</a></nav></header>
        <aside class="sidebar"><h3>Trending</h3><ul><li>Ten celebrity diets you must try</li><li>Subscribe to our newsletter</li></ul></aside>
        <script>window.dataLayer = []; function track() { console.log("tracking pixel"); }</script>
        <style>.ad { display: block; color: red; }</style>
        """;

    private const string Footer = """<footer><p>© 2026 Daily Bread News. All rights reserved. Privacy policy | Cookie settings</p></footer>""";

    private static readonly string[] Story =
    [
        "The village bakery on Mill Street has baked bread every morning since 1921, and this spring it changed hands for the first time in three generations.",
        "Maria Lopez, who worked there as an apprentice in the 1990s, bought the shop from the Keller family in March. She kept the old wood-fired oven and the sourdough starter, which the Kellers say is older than the building.",
        "Customers noticed few changes at first. The rye loaf still sells out before eight, and the queue on Saturdays still reaches the corner. Lopez added a spelt loaf and started opening on Sundays.",
        "The biggest change is behind the counter: the bakery now trains two apprentices a year with the regional crafts school, something the shop had stopped doing in the 1980s when the last Keller son left for the city.",
        "Lopez says she wants the bakery to outlive her too. The starter, she points out, already has.",
    ];

    private static string Page(IEnumerable<string> paragraphs) =>
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>A bakery changes hands | Daily Bread News</title></head><body>" + Chrome
        + "<main><article><h1>A bakery changes hands</h1><p class=\"byline\">By J. Smith</p>"
        + string.Concat(paragraphs.Select(p => $"<p>{p.Replace("Maria Lopez", "<b>Maria Lopez</b>")}</p>"))
        + "</article></main>" + Footer + "</body></html>";

    [Fact]
    public void TheArticleIsKeptAndThePageChromeDropped()
    {
        var doc = InputReader.Read("story.html", Encoding.UTF8.GetBytes(Page(Story)));
        var text = doc.Render();
        foreach (var p in Story) Assert.Contains(p, text);
        // In page order.
        Assert.True(text.IndexOf(Story[0], StringComparison.Ordinal) < text.IndexOf(Story[^1], StringComparison.Ordinal));
        foreach (var chrome in new[] { "Log in", "Sports", "Trending", "celebrity", "newsletter", "tracking", "dataLayer", "color: red", "All rights reserved", "Cookie" })
            Assert.DoesNotContain(chrome, text);
    }

    [Fact]
    public void APageWithoutAnArticleFallsBackToItsBodyStillWithoutChrome()
    {
        // Too short for Readability to call it an article.
        var doc = InputReader.Read("short.htm", Encoding.UTF8.GetBytes(Page(["Closed on Monday for repairs."])));
        var text = doc.Render();
        Assert.Contains("Closed on Monday for repairs.", text);
        foreach (var chrome in new[] { "Log in", "Trending", "tracking", "color: red", "All rights reserved" })
            Assert.DoesNotContain(chrome, text);
    }

    [Fact]
    public void BlocksArePargraphsAndInlineElementsJoin()
    {
        var root = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(
            "<body><h2>Install</h2><p>Run <code>make</code>\n   then <em>make   install</em>.</p><ul><li>one</li><li>two</li></ul><pre>a  b\n  c</pre></body>").Body!;
        Assert.Equal(["Install", "Run make then make install.", "one", "two", "a b\n c"], HtmlText.Paragraphs(root));
    }
}
