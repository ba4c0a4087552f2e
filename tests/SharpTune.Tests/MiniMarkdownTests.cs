using SharpTune.Study.Report;

namespace SharpTune.Tests;

/// <summary>The report's Markdown subset, on hand-written input and expected HTML.</summary>
public sealed class MiniMarkdownTests
{
    [Fact]
    public void Fenced_text_stays_verbatim_and_escaped_in_a_pre_block()
    {
        var md = "Limits: `--max-hallucination 0.15`\n\n```text\nRecommended: lora r=8\n  - not a list <b>\n**not bold**\n```\n- after";
        Assert.Equal("<p>Limits: <code>--max-hallucination 0.15</code></p>\n" +
                     "<pre>Recommended: lora r=8\n  - not a list &lt;b&gt;\n**not bold**</pre>\n" +
                     "<ul>\n<li>after</li>\n</ul>\n", MiniMarkdown.ToHtml(md));
    }

    [Fact]
    public void Headings_lists_and_bold_as_before()
    {
        Assert.Equal("<h3>Why</h3>\n<ul>\n<li><strong>r=8</strong> wins</li>\n</ul>\n<p>a b</p>\n", MiniMarkdown.ToHtml("# Why\n- **r=8** wins\n\na\nb"));
    }
}
