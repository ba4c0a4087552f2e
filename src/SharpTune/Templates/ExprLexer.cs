using System.Text;
using SharpTune.IO;

namespace SharpTune.Templates;

/// <summary>Tokens of one Jinja expression or tag body: names, numbers, string literals, operators.</summary>
internal sealed class ExprLexer
{
    public enum TokKind { Name, Number, String, Op, End }

    public readonly record struct Tok(TokKind Kind, string Text);

    private static readonly string[] Ops = ["**", "//", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "+", "-", "*", "/", "%", "~", "<", ">", "="];
    private static readonly HashSet<string> Keywords = ["and", "or", "not", "in", "is", "if", "else"];

    private readonly List<Tok> _toks = new();
    private readonly int _line;
    private int _i;

    public ExprLexer(string source, int line)
    {
        _line = line;
        int i = 0;
        while (i < source.Length)
        {
            char c = source[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (char.IsLetter(c) || c == '_')
            {
                int s = i;
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_')) i++;
                _toks.Add(new Tok(TokKind.Name, source[s..i]));
            }
            else if (char.IsDigit(c))
            {
                int s = i;
                while (i < source.Length && (char.IsDigit(source[i]) || source[i] == '_')) i++;
                if (i + 1 < source.Length && source[i] == '.' && char.IsDigit(source[i + 1]))
                {
                    i++;
                    while (i < source.Length && char.IsDigit(source[i])) i++;
                }
                if (i < source.Length && source[i] is 'e' or 'E')
                {
                    int save = i++;
                    if (i < source.Length && source[i] is '+' or '-') i++;
                    if (i < source.Length && char.IsDigit(source[i])) while (i < source.Length && char.IsDigit(source[i])) i++;
                    else i = save;
                }
                _toks.Add(new Tok(TokKind.Number, source[s..i].Replace("_", "")));
            }
            else if (c is '\'' or '"')
            {
                var sb = new StringBuilder();
                i++;
                while (i < source.Length && source[i] != c)
                {
                    if (source[i] == '\\' && i + 1 < source.Length)
                    {
                        i++;
                        sb.Append(source[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => source[i] });
                    }
                    else sb.Append(source[i]);
                    i++;
                }
                if (i >= source.Length) throw Error("unterminated string literal");
                i++;
                _toks.Add(new Tok(TokKind.String, sb.ToString()));
            }
            else
            {
                var op = Ops.FirstOrDefault(o => string.CompareOrdinal(source, i, o, 0, o.Length) == 0)
                    ?? throw Error($"unexpected character '{c}'");
                _toks.Add(new Tok(TokKind.Op, op));
                i += op.Length;
            }
        }
    }

    public SharpTuneException Error(string message) => new($"chat template line {_line}: {message}");

    public bool AtEnd => _i >= _toks.Count;
    public TokKind PeekKind => AtEnd ? TokKind.End : _toks[_i].Kind;
    public bool Peek(string text) => PeekAt(0, text);
    public bool PeekAt(int offset, string text) =>
        _i + offset < _toks.Count && _toks[_i + offset].Text == text && _toks[_i + offset].Kind is TokKind.Op or TokKind.Name;
    public bool IsKeywordNext => !AtEnd && _toks[_i].Kind == TokKind.Name && Keywords.Contains(_toks[_i].Text);
    public bool StartsPrimary => !AtEnd && (_toks[_i].Kind is TokKind.Name or TokKind.Number or TokKind.String || _toks[_i].Text is "(" or "[" or "{");

    public Tok Next() => AtEnd ? throw Error("unexpected end of expression") : _toks[_i++];

    public bool TryEat(string text)
    {
        if (!Peek(text)) return false;
        _i++;
        return true;
    }

    public void Expect(string text)
    {
        if (!TryEat(text)) throw Error($"expected '{text}'{(AtEnd ? " at end" : $" before '{_toks[_i].Text}'")}");
    }

    public string Ident()
    {
        var t = Next();
        return t.Kind == TokKind.Name ? t.Text : throw Error($"expected a name, got '{t.Text}'");
    }

    public string NextNameOrNumber()
    {
        var t = Next();
        return t.Kind is TokKind.Name or TokKind.Number ? t.Text : throw Error($"expected an attribute name, got '{t.Text}'");
    }

    public void End()
    {
        if (!AtEnd) throw Error($"unexpected '{_toks[_i].Text}'");
    }
}
