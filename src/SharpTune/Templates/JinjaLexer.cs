using System.Text;
using SharpTune.IO;

namespace SharpTune.Templates;

/// <summary>
/// Splits a template into text, {{ output }} and {% block %} pieces, applying Jinja's whitespace rules as
/// transformers configures them: '-' markers strip adjacent whitespace, trim_blocks drops the newline after
/// a block tag, lstrip_blocks drops indentation before one. Comments vanish.
/// </summary>
internal static class JinjaLexer
{
    public enum Kind { Text, Output, Block }

    public readonly record struct Piece(Kind Kind, string Source, int Line);

    public static List<Piece> Lex(string template)
    {
        var raw = new List<(Kind Kind, string Source, bool StripBefore, bool StripAfter, bool IsBlockLike, bool NoLstrip, int Line)>();
        int i = 0, line = 1;
        while (i < template.Length)
        {
            int open = NextOpen(template, i);
            if (open < 0) { raw.Add((Kind.Text, template[i..], false, false, false, false, line)); break; }
            if (open > i) raw.Add((Kind.Text, template[i..open], false, false, false, false, line));
            line += Count(template, i, open);
            char c = template[open + 1];
            string close = c == '{' ? "}}" : c == '%' ? "%}" : "#}";
            int bodyStart = open + 2;
            bool stripBefore = bodyStart < template.Length && template[bodyStart] == '-';
            bool noLstrip = bodyStart < template.Length && template[bodyStart] == '+';
            if (stripBefore || noLstrip) bodyStart++;
            int end = FindClose(template, bodyStart, close, c == '#');
            if (end < 0) throw new SharpTuneException($"chat template line {line}: '{template.Substring(open, 2)}' is never closed");
            int bodyEnd = end;
            bool stripAfter = bodyEnd > bodyStart && template[bodyEnd - 1] == '-';
            if (stripAfter) bodyEnd--;
            var body = template[bodyStart..bodyEnd].Trim();
            var kind = c == '{' ? Kind.Output : Kind.Block;
            if (c == '#') raw.Add((Kind.Block, "", stripBefore, stripAfter, true, noLstrip, line)); // comment: a block that renders nothing
            else raw.Add((kind, body, stripBefore, stripAfter, c == '%', noLstrip, line));
            line += Count(template, open, end + 2);
            i = end + 2;
        }
        // Whitespace control, decided on the original text: each text piece keeps [start, end).
        var starts = new int[raw.Count];
        var ends = raw.Select(r => r.Source.Length).ToArray();
        for (int k = 0; k < raw.Count; k++)
        {
            var r = raw[k];
            if (r.Kind == Kind.Text) continue;
            if (k > 0 && raw[k - 1].Kind == Kind.Text)
            {
                var t = raw[k - 1].Source;
                if (r.StripBefore) ends[k - 1] = t.TrimEnd().Length;
                else if (r.IsBlockLike && !r.NoLstrip) ends[k - 1] = LstripEnd(t, k - 1 == 0);
            }
            if (k + 1 < raw.Count && raw[k + 1].Kind == Kind.Text)
            {
                var t = raw[k + 1].Source;
                if (r.StripAfter) starts[k + 1] = t.Length - t.TrimStart().Length;
                else if (r.IsBlockLike) starts[k + 1] = t.StartsWith("\r\n") ? 2 : t.StartsWith('\n') ? 1 : 0;
            }
        }
        var texts = raw.Select((r, k) => starts[k] < ends[k] ? r.Source[starts[k]..ends[k]] : "").ToArray();
        var pieces = new List<Piece>();
        for (int k = 0; k < raw.Count; k++)
        {
            if (raw[k].Kind == Kind.Text) { if (texts[k].Length > 0) pieces.Add(new Piece(Kind.Text, texts[k], raw[k].Line)); }
            else if (raw[k].Source.Length > 0 || raw[k].Kind == Kind.Output) pieces.Add(new Piece(raw[k].Kind, raw[k].Source, raw[k].Line));
        }
        return pieces;
    }

    // lstrip_blocks: cut spaces/tabs between the last newline (or the template start) and the tag.
    private static int LstripEnd(string text, bool textStartsTemplate)
    {
        int j = text.Length;
        while (j > 0 && (text[j - 1] == ' ' || text[j - 1] == '\t')) j--;
        return (j == 0 ? textStartsTemplate : text[j - 1] == '\n') ? j : text.Length;
    }

    private static int NextOpen(string s, int from)
    {
        for (int i = s.IndexOf('{', from); i >= 0 && i + 1 < s.Length; i = s.IndexOf('{', i + 1))
            if (s[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    // Finds the closing delimiter, skipping string literals inside expressions.
    private static int FindClose(string s, int from, string close, bool comment)
    {
        if (comment) return s.IndexOf(close, from, StringComparison.Ordinal);
        char quote = '\0';
        for (int i = from; i + 1 < s.Length; i++)
        {
            char c = s[i];
            if (quote != '\0') { if (c == '\\') i++; else if (c == quote) quote = '\0'; continue; }
            if (c is '\'' or '"') { quote = c; continue; }
            if (c == close[0] && s[i + 1] == close[1]) return i;
        }
        return -1;
    }

    private static int Count(string s, int from, int to)
    {
        int n = 0;
        for (int i = from; i < to && i < s.Length; i++) if (s[i] == '\n') n++;
        return n;
    }
}
