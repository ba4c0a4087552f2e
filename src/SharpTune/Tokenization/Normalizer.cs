using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>The <c>normalizer</c> step of tokenizer.json: a string → string transform applied before splitting.</summary>
public abstract class Normalizer
{
    public abstract string Normalize(string text);

    public static Normalizer? FromJson(JsonFields parent, string key) => parent.SubObj(key) is JsonFields o ? FromFields(o) : null;

    private static Normalizer FromFields(JsonFields o)
    {
        string type = o.ReqStr("type");
        return type switch
        {
            "Sequence" => new SequenceNormalizer(o.Objects("normalizers").Select(FromFields).ToArray()),
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new FuncNormalizer(s => s.ToLowerInvariant()),
            "Prepend" => new PrependNormalizer(o.ReqStr("prepend")),
            "Replace" => new ReplaceNormalizer(Pattern.FromJson(o, "pattern"), o.ReqStr("content")),
            "Strip" => new FuncNormalizer(StripFunc(o.Bool("strip_left") ?? true, o.Bool("strip_right") ?? true)),
            _ => throw new SharpTuneException($"{o.File}: {o.Name("type")} '{JsonInput.Clip(type)}' is not a supported normalizer"),
        };
    }

    private static Func<string, string> StripFunc(bool left, bool right) =>
        s => left && right ? s.Trim() : left ? s.TrimStart() : right ? s.TrimEnd() : s;

    private sealed class SequenceNormalizer(Normalizer[] parts) : Normalizer
    {
        public override string Normalize(string text) => parts.Aggregate(text, (t, n) => n.Normalize(t));
    }

    private sealed class UnicodeNormalizer(NormalizationForm form) : Normalizer
    {
        public override string Normalize(string text) => text.Normalize(form);
    }

    private sealed class FuncNormalizer(Func<string, string> f) : Normalizer
    {
        public override string Normalize(string text) => f(text);
    }

    // The Rust engine prepends only to non-empty text: "" stays "".
    private sealed class PrependNormalizer(string prefix) : Normalizer
    {
        public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
    }

    private sealed class ReplaceNormalizer(Pattern pattern, string content) : Normalizer
    {
        public override string Normalize(string text) => pattern.Replace(text, content);
    }
}

/// <summary>A tokenizer.json pattern: <c>{"String": …}</c> (literal) or <c>{"Regex": …}</c>.</summary>
public sealed class Pattern
{
    private readonly string? _literal;
    private readonly CodePointRegex? _regex;
    private readonly Regex? _plainRegex;

    private Pattern(string? literal, string? regex)
    {
        _literal = literal;
        if (regex is not null)
        {
            _regex = new CodePointRegex(regex);
            _plainRegex = new Regex(regex, RegexOptions.CultureInvariant);
        }
    }

    public static Pattern FromJson(JsonFields parent, string key)
    {
        var o = parent.SubObj(key) ?? throw parent.Missing(key, "{\"String\": …} or {\"Regex\": …}");
        if (o.Str("String") is string s) return new Pattern(s, null);
        if (o.Str("Regex") is string r)
        {
            try { return new Pattern(null, r); }
            catch (ArgumentException e) { throw new SharpTuneException($"{o.File}: field '{o.Name("Regex")}' is not a valid regex ({JsonInput.OneLine(e.Message)})"); }
        }
        throw parent.Error(key, "{\"String\": …} or {\"Regex\": …}");
    }

    public static Pattern Regex(string pattern) => new(null, pattern);

    public IEnumerable<(int Start, int Length)> Matches(string text)
    {
        if (_regex is not null) { foreach (var m in _regex.Matches(text)) yield return m; yield break; }
        if (_literal!.Length == 0) yield break;
        for (int i = text.IndexOf(_literal, StringComparison.Ordinal); i >= 0; i = text.IndexOf(_literal, i + _literal.Length, StringComparison.Ordinal))
            yield return (i, _literal.Length);
    }

    public string Replace(string text, string content) =>
        _literal is not null ? (_literal.Length == 0 ? text : text.Replace(_literal, content, StringComparison.Ordinal)) : _plainRegex!.Replace(text, content);
}
