using SharpTune.Serving;

namespace SharpTune.Tests;

public sealed class PageTextTests
{
    [Fact]
    public void Html_keeps_the_article_and_drops_scripts_styles_navigation_and_footer()
    {
        var html = "<html><head><title>t</title><style>p{color:red}</style><script>alert('x')</script></head><body><nav>Home | Docs</nav>" +
                   "<p>grep searches files &amp; prints <b>matching</b> lines.</p><p>Second paragraph.</p><footer>Copyright</footer></body></html>";
        Assert.Equal("html", PageText.Guess(html));
        var text = PageText.Clean(html, "html");
        Assert.Contains("grep searches files & prints matching lines.", text);
        Assert.Contains("Second paragraph.", text);
        foreach (var gone in new[] { "alert", "color", "Home", "Copyright", "<" }) Assert.DoesNotContain(gone, text);
    }

    [Fact]
    public void Subtitles_lose_numbers_timestamps_and_tags_keep_speakers_and_drop_repeated_lines()
    {
        var srt = "1\n00:00:01,000 --> 00:00:03,000\n<i>Hello there.</i>\n\n2\n00:00:03,000 --> 00:00:05,000\nHello there.\n\n3\n00:00:05,000 --> 00:00:07,000\n{\\an8}BOB: General Kenobi.\n";
        Assert.Equal("srt", PageText.Guess(srt));
        Assert.Equal("Hello there. BOB: General Kenobi.", PageText.Clean(srt, "srt"));
        var vtt = "WEBVTT\n\n00:01.000 --> 00:03.000\n<v Alice>Good morning.\n";
        Assert.Equal("vtt", PageText.Guess(vtt));
        Assert.Equal("Alice: Good morning.", PageText.Clean(vtt, "vtt"));
    }
}
