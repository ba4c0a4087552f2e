using System.Text.Json;
using SharpTune.Templates;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

public class ChatTemplateTests
{
    public static TheoryData<int> GoldenCases() => new() { 0, 1, 2 };

    [Theory, MemberData(nameof(GoldenCases))]
    public void RendersQwen3ConversationsExactly(int index)
    {
        var tok = TokenizerGoldenTests.Load("qwen3");
        var c = JsonDocument.Parse(File.ReadLines(Shared.Golden("tokenizers", "qwen3", "chat_template_cases.jsonl")).ElementAt(index)).RootElement;
        Dictionary<string, object?>? kwargs = c.TryGetProperty("template_kwargs", out var kw)
            ? (Dictionary<string, object?>)JinjaValues.FromJson(kw)! : null;
        var rendered = tok.Render(c.GetProperty("messages"), c.GetProperty("add_generation_prompt").GetBoolean(), kwargs);
        Assert.Equal(c.GetProperty("rendered").GetString(), rendered);
        Assert.Equal(c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()), tok.Encode(rendered));
    }

    private static string R(string template, object? vars = null)
    {
        var dict = vars is null ? new Dictionary<string, object?>() : (Dictionary<string, object?>)JinjaValues.FromJson(JsonSerializer.SerializeToElement(vars))!;
        return new JinjaTemplate(template).Render(dict);
    }

    [Fact]
    public void WhitespaceControlFollowsTrimAndLstripBlocks()
    {
        // trim_blocks eats the newline after a block tag; lstrip_blocks eats indentation before it.
        Assert.Equal("a\nb\n", R("{% for x in xs %}\n    {{ x }}\n{% endfor %}".Replace("    {{", "{{"), new { xs = new[] { "a", "b" } }));
        Assert.Equal("ab", R("{% for x in xs %}\n    {%- if true %}{{ x }}{% endif %}\n{%- endfor %}", new { xs = new[] { "a", "b" } }));
        Assert.Equal("  x", R("  {{ 'x' }}"));            // lstrip applies to blocks only
        Assert.Equal("x", R("  {% if 1 %}x{% endif %}"));
        Assert.Equal("a|b", R("a  {{- '|' -}}  b"));
        Assert.Equal("", R("{# a comment #}"));
    }

    [Fact]
    public void ExpressionsBehaveLikePythonJinja()
    {
        Assert.Equal("3", R("{{ [1, 2, 3] | length }}"));
        Assert.Equal("cba", R("{{ 'abc'[::-1] }}"));
        Assert.Equal("[3, 2]", R("{{ [1, 2, 3][:0:-1] }}"));
        Assert.Equal("True False None", R("{{ true }} {{ 1 > 2 }} {{ none }}"));
        Assert.Equal("{\"a\": [1, \"é\"], \"b\": null}", R("{{ {'a': [1, 'é'], 'b': none} | tojson }}"));
        Assert.Equal("2.5 2 1 8", R("{{ 5 / 2 }} {{ 5 // 2 }} {{ -3 % 2 }} {{ 2 ** 3 }}"));
        Assert.Equal("yes", R("{{ 'yes' if 'ell' in 'hello' else 'no' }}"));
        Assert.Equal("x-y", R("{{ ' x-y\n'.strip() }}"));
        Assert.Equal("b", R("{{ 'a</t>b'.split('</t>')[-1] }}"));
        Assert.Equal("1:a,2:b,", R("{% for x in xs %}{{ loop.index }}:{{ x }},{% endfor %}", new { xs = new[] { "a", "b" } }));
        Assert.Equal("last=b", R("{% for x in xs %}{% if loop.last %}last={{ x }}{% endif %}{% endfor %}", new { xs = new[] { "a", "b" } }));
        Assert.Equal("2", R("{% set ns = namespace(n=0) %}{% for x in [1,2] %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}"));
        Assert.Equal("0", R("{% set n = 0 %}{% for x in [1,2] %}{% set n = n + 1 %}{% endfor %}{{ n }}")); // loop scope
        Assert.Equal("undef", R("{% if foo is defined %}def{% else %}undef{% endif %}"));
        Assert.Equal("ok", R("{% if m.content is string and m.x is not defined %}ok{% endif %}", new { m = new { content = "c" } }));
        Assert.Equal("13", R("{% for x in [1,2,3,4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}"));
        Assert.Equal("<b>hi</b>", R("{% macro b(t) %}<b>{{ t }}</b>{% endmacro %}{{ b('hi') }}"));
    }

    [Fact]
    public void RaiseExceptionBecomesAClearError()
    {
        var e = Assert.Throws<SharpTune.IO.SharpTuneException>(() => R("{{ raise_exception('roles must alternate') }}"));
        Assert.Contains("roles must alternate", e.Message);
        Assert.Throws<SharpTune.IO.SharpTuneException>(() => R("{% if x %}never closed"));
    }
}
