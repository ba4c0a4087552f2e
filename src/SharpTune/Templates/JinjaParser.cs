using System.Globalization;
using System.Text;
using SharpTune.IO;

namespace SharpTune.Templates;

/// <summary>Recursive-descent parser for the Jinja subset chat templates use, with Jinja's precedence.</summary>
internal sealed class JinjaParser
{
    private readonly List<JinjaLexer.Piece> _pieces;
    private int _pos;

    private JinjaParser(List<JinjaLexer.Piece> pieces) { _pieces = pieces; }

    public static List<Stmt> Parse(string template)
    {
        var p = new JinjaParser(JinjaLexer.Lex(template));
        var body = p.ParseBody(out var end);
        if (end is not null) throw Error(end.Value.Line, $"unexpected '{{% {end.Value.Source} %}}'");
        return body;
    }

    private static SharpTuneException Error(int line, string message) => new($"chat template line {line}: {message}");

    /// <summary>Parses statements until an unknown block tag (returned in <paramref name="end"/>) or the end.</summary>
    private List<Stmt> ParseBody(out JinjaLexer.Piece? end, params string[] terminators)
    {
        var body = new List<Stmt>();
        end = null;
        while (_pos < _pieces.Count)
        {
            var piece = _pieces[_pos];
            if (piece.Kind == JinjaLexer.Kind.Text) { body.Add(new TextStmt(piece.Source)); _pos++; continue; }
            if (piece.Kind == JinjaLexer.Kind.Output) { body.Add(new OutputStmt(ParseExpression(piece.Source, piece.Line))); _pos++; continue; }
            var keyword = piece.Source.Split([' ', '\t', '\n', '('], 2)[0];
            if (terminators.Contains(keyword)) { end = piece; _pos++; return body; }
            _pos++;
            var lx = new ExprLexer(piece.Source, piece.Line);
            lx.Expect(keyword);
            switch (keyword)
            {
                case "if": body.Add(ParseIf(lx, piece.Line)); break;
                case "for": body.Add(ParseFor(lx, piece.Line)); break;
                case "set":
                {
                    var target = ParsePostfix(lx, ParsePrimary(lx));
                    if (lx.TryEat("="))
                    {
                        body.Add(new SetStmt(target, ParseTuple(lx)));
                        lx.End();
                    }
                    else
                    {
                        lx.End();
                        if (target is not Name n) throw Error(piece.Line, "block set needs a plain name");
                        var inner = ParseBody(out var e, "endset");
                        if (e is null) throw Error(piece.Line, "'set' block without 'endset'");
                        body.Add(new SetBlockStmt(n.Id, inner));
                    }
                    break;
                }
                case "macro":
                {
                    var name = lx.Ident();
                    lx.Expect("(");
                    var ps = new List<(string, Expr?)>();
                    while (!lx.TryEat(")"))
                    {
                        var pn = lx.Ident();
                        Expr? def = lx.TryEat("=") ? ParseConditional(lx) : null;
                        ps.Add((pn, def));
                        if (!lx.TryEat(",")) { lx.Expect(")"); break; }
                    }
                    lx.End();
                    var inner = ParseBody(out var e, "endmacro");
                    if (e is null) throw Error(piece.Line, "'macro' without 'endmacro'");
                    body.Add(new MacroStmt(name, ps, inner));
                    break;
                }
                case "break": lx.End(); body.Add(new BreakStmt()); break;
                case "continue": lx.End(); body.Add(new ContinueStmt()); break;
                default:
                    end = piece;
                    return body;
            }
        }
        return body;
    }

    private IfStmt ParseIf(ExprLexer lx, int line)
    {
        var branches = new List<(Expr, List<Stmt>)>();
        var cond = ParseTuple(lx);
        lx.End();
        while (true)
        {
            var body = ParseBody(out var end, "elif", "else", "endif");
            branches.Add((cond, body));
            if (end is null) throw Error(line, "'if' without 'endif'");
            var elx = new ExprLexer(end.Value.Source, end.Value.Line);
            var kw = elx.Ident();
            if (kw == "endif") { elx.End(); return new IfStmt(branches, null); }
            if (kw == "else")
            {
                elx.End();
                var elseBody = ParseBody(out var e2, "endif");
                if (e2 is null) throw Error(line, "'if' without 'endif'");
                return new IfStmt(branches, elseBody);
            }
            cond = ParseTuple(elx);
            elx.End();
        }
    }

    private ForStmt ParseFor(ExprLexer lx, int line)
    {
        var targets = new List<string> { lx.Ident() };
        while (lx.TryEat(",")) targets.Add(lx.Ident());
        lx.Expect("in");
        var iterable = ParseOr(lx);
        Expr? condition = lx.TryEat("if") ? ParseOr(lx) : null;
        lx.TryEat("recursive");
        lx.End();
        var body = ParseBody(out var end, "else", "endfor");
        if (end is null) throw Error(line, "'for' without 'endfor'");
        List<Stmt>? elseBody = null;
        if (end.Value.Source.StartsWith("else"))
        {
            elseBody = ParseBody(out var e2, "endfor");
            if (e2 is null) throw Error(line, "'for' without 'endfor'");
        }
        return new ForStmt(targets, iterable, condition, body, elseBody);
    }

    private static Expr ParseExpression(string source, int line)
    {
        var lx = new ExprLexer(source, line);
        var e = ParseTuple(lx);
        lx.End();
        return e;
    }

    // a, b (a bare tuple) becomes a list.
    private static Expr ParseTuple(ExprLexer lx)
    {
        var first = ParseConditional(lx);
        if (!lx.Peek(",")) return first;
        var items = new List<Expr> { first };
        while (lx.TryEat(",") && !lx.AtEnd && !lx.Peek(")")) items.Add(ParseConditional(lx));
        return new ListExpr(items);
    }

    private static Expr ParseConditional(ExprLexer lx)
    {
        var e = ParseOr(lx);
        while (lx.TryEat("if"))
        {
            var cond = ParseOr(lx);
            Expr? other = lx.TryEat("else") ? ParseConditional(lx) : null;
            e = new Conditional(cond, e, other);
        }
        return e;
    }

    private static Expr ParseOr(ExprLexer lx)
    {
        var e = ParseAnd(lx);
        while (lx.TryEat("or")) e = new Binary("or", e, ParseAnd(lx));
        return e;
    }

    private static Expr ParseAnd(ExprLexer lx)
    {
        var e = ParseNot(lx);
        while (lx.TryEat("and")) e = new Binary("and", e, ParseNot(lx));
        return e;
    }

    private static Expr ParseNot(ExprLexer lx) => lx.TryEat("not") ? new Unary("not", ParseNot(lx)) : ParseCompare(lx);

    private static Expr ParseCompare(ExprLexer lx)
    {
        var e = ParseMath1(lx);
        while (true)
        {
            string? op = null;
            foreach (var candidate in new[] { "==", "!=", "<=", ">=", "<", ">", "in" })
                if (lx.TryEat(candidate)) { op = candidate; break; }
            if (op is null && lx.Peek("not") && lx.PeekAt(1, "in")) { lx.TryEat("not"); lx.TryEat("in"); op = "not in"; }
            if (op is null) return e;
            e = new Binary(op, e, ParseMath1(lx));
        }
    }

    private static Expr ParseMath1(ExprLexer lx)
    {
        var e = ParseConcat(lx);
        while (true)
        {
            if (lx.TryEat("+")) e = new Binary("+", e, ParseConcat(lx));
            else if (lx.TryEat("-")) e = new Binary("-", e, ParseConcat(lx));
            else return e;
        }
    }

    private static Expr ParseConcat(ExprLexer lx)
    {
        var e = ParseMath2(lx);
        while (lx.TryEat("~")) e = new Binary("~", e, ParseMath2(lx));
        return e;
    }

    private static Expr ParseMath2(ExprLexer lx)
    {
        var e = ParsePow(lx);
        while (true)
        {
            string? op = lx.TryEat("//") ? "//" : lx.TryEat("/") ? "/" : lx.TryEat("*") ? "*" : lx.TryEat("%") ? "%" : null;
            if (op is null) return e;
            e = new Binary(op, e, ParsePow(lx));
        }
    }

    private static Expr ParsePow(ExprLexer lx)
    {
        var e = ParseUnary(lx);
        while (lx.TryEat("**")) e = new Binary("**", e, ParseUnary(lx));
        return e;
    }

    private static Expr ParseUnary(ExprLexer lx)
    {
        if (lx.TryEat("-")) return ParseFilters(lx, new Unary("-", ParseUnary(lx)));
        if (lx.TryEat("+")) return ParseUnary(lx);
        return ParseFilters(lx, ParsePostfix(lx, ParsePrimary(lx)));
    }

    private static Expr ParseFilters(ExprLexer lx, Expr e)
    {
        while (true)
        {
            if (lx.TryEat("|"))
            {
                var name = lx.Ident();
                while (lx.TryEat(".")) name += "." + lx.Ident();
                var (args, kwargs) = lx.Peek("(") ? ParseArgs(lx) : ([], []);
                e = ParsePostfix(lx, new Filter(e, name, args, kwargs));
            }
            else if (lx.TryEat("is"))
            {
                bool negated = lx.TryEat("not");
                var name = lx.Ident();
                var args = new List<Expr>();
                if (lx.Peek("(")) args = ParseArgs(lx).Args;
                else if (lx.StartsPrimary && !lx.Peek("-") && !lx.IsKeywordNext) args.Add(ParsePostfix(lx, ParsePrimary(lx)));
                e = new Test(e, name, args, negated);
            }
            else return e;
        }
    }

    private static Expr ParsePrimary(ExprLexer lx)
    {
        var tok = lx.Next();
        switch (tok.Kind)
        {
            case ExprLexer.TokKind.String:
            {
                var s = new StringBuilder(tok.Text);
                while (lx.PeekKind == ExprLexer.TokKind.String) s.Append(lx.Next().Text); // adjacent literals concatenate
                return new Literal(s.ToString());
            }
            case ExprLexer.TokKind.Number:
                return new Literal(tok.Text.Contains('.') || tok.Text.Contains('e')
                    ? double.Parse(tok.Text, CultureInfo.InvariantCulture) : (object)long.Parse(tok.Text, CultureInfo.InvariantCulture));
            case ExprLexer.TokKind.Name:
                return tok.Text switch
                {
                    "true" or "True" => new Literal(true),
                    "false" or "False" => new Literal(false),
                    "none" or "None" => new Literal(null),
                    _ => new Name(tok.Text),
                };
        }
        if (tok.Text == "(")
        {
            if (lx.TryEat(")")) return new ListExpr([]);
            var e = ParseTuple(lx);
            lx.Expect(")");
            return e;
        }
        if (tok.Text == "[")
        {
            var items = new List<Expr>();
            while (!lx.TryEat("]"))
            {
                items.Add(ParseConditional(lx));
                if (!lx.TryEat(",")) { lx.Expect("]"); break; }
            }
            return new ListExpr(items);
        }
        if (tok.Text == "{")
        {
            var items = new List<(Expr, Expr)>();
            while (!lx.TryEat("}"))
            {
                var k = ParseConditional(lx);
                lx.Expect(":");
                items.Add((k, ParseConditional(lx)));
                if (!lx.TryEat(",")) { lx.Expect("}"); break; }
            }
            return new DictExpr(items);
        }
        throw lx.Error($"unexpected '{tok.Text}'");
    }

    private static Expr ParsePostfix(ExprLexer lx, Expr e)
    {
        while (true)
        {
            if (lx.TryEat(".")) e = new Attr(e, lx.NextNameOrNumber());
            else if (lx.Peek("("))
            {
                var (args, kwargs) = ParseArgs(lx);
                e = new Call(e, args, kwargs);
            }
            else if (lx.TryEat("["))
            {
                Expr? start = null, stop = null, step = null;
                bool slice = false;
                if (!lx.Peek(":")) start = ParseConditional(lx);
                if (lx.TryEat(":"))
                {
                    slice = true;
                    if (!lx.Peek(":") && !lx.Peek("]")) stop = ParseConditional(lx);
                    if (lx.TryEat(":") && !lx.Peek("]")) step = ParseConditional(lx);
                }
                lx.Expect("]");
                e = slice ? new SliceExpr(e, start, stop, step) : new Index(e, start!);
            }
            else return e;
        }
    }

    private static (List<Expr> Args, List<(string, Expr)> Kwargs) ParseArgs(ExprLexer lx)
    {
        lx.Expect("(");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!lx.TryEat(")"))
        {
            if (lx.PeekKind == ExprLexer.TokKind.Name && lx.PeekAt(1, "="))
            {
                var name = lx.Next().Text;
                lx.Expect("=");
                kwargs.Add((name, ParseConditional(lx)));
            }
            else args.Add(ParseConditional(lx));
            if (!lx.TryEat(",")) { lx.Expect(")"); break; }
        }
        return (args, kwargs);
    }
}
