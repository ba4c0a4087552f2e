using System.Text;
using SharpTune.IO;
using static SharpTune.Templates.JinjaValues;

namespace SharpTune.Templates;

/// <summary>
/// A Jinja2 interpreter for the subset Hugging Face chat templates use (if/for/set/macro, namespace, loop
/// variables, filters, tests, string methods), configured as transformers configures Jinja: trim_blocks,
/// lstrip_blocks, loop controls, raise_exception and a non-ASCII-preserving tojson. No .NET Jinja engine is
/// served here (Fluid and Scriban speak Liquid/Scriban, whose whitespace and operator rules differ).
/// </summary>
public sealed class JinjaTemplate
{
    private readonly List<Stmt> _body;

    public JinjaTemplate(string source) { _body = JinjaParser.Parse(source); }

    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        var globals = JinjaBuiltins.Globals();
        foreach (var kv in variables) globals[kv.Key] = kv.Value;
        var ctx = new Context(globals);
        var sb = new StringBuilder();
        try
        {
            Exec(_body, ctx, sb);
        }
        catch (InvalidOperationException e)
        {
            throw new SharpTuneException($"chat template failed: {e.Message}");
        }
        return sb.ToString();
    }

    private enum Flow { Normal, Break, Continue }

    private sealed class Context(Dictionary<string, object?> globals)
    {
        private readonly List<Dictionary<string, object?>> _scopes = [globals];
        public void Push() => _scopes.Add(new());
        public void Pop() => _scopes.RemoveAt(_scopes.Count - 1);
        public void Set(string name, object? value) => _scopes[^1][name] = value;
        public object? Get(string name)
        {
            for (int i = _scopes.Count - 1; i >= 0; i--) if (_scopes[i].TryGetValue(name, out var v)) return v;
            return Undefined.Instance;
        }
    }

    private Flow Exec(List<Stmt> body, Context ctx, StringBuilder sb)
    {
        foreach (var stmt in body)
        {
            switch (stmt)
            {
                case TextStmt t: sb.Append(t.Text); break;
                case OutputStmt o: sb.Append(Str(Eval(o.Value, ctx))); break;
                case IfStmt i:
                {
                    var branch = i.Branches.FirstOrDefault(b => Truthy(Eval(b.Condition, ctx))).Body ?? i.Else;
                    if (branch is not null && Exec(branch, ctx, sb) is var f && f != Flow.Normal) return f;
                    break;
                }
                case ForStmt f: ExecFor(f, ctx, sb); break;
                case SetStmt s: Assign(s.Target, Eval(s.Value, ctx), ctx); break;
                case SetBlockStmt sbk:
                {
                    var inner = new StringBuilder();
                    Exec(sbk.Body, ctx, inner);
                    ctx.Set(sbk.Name, inner.ToString());
                    break;
                }
                case MacroStmt m: ctx.Set(m.Name, MakeMacro(m, ctx)); break;
                case BreakStmt: return Flow.Break;
                case ContinueStmt: return Flow.Continue;
            }
        }
        return Flow.Normal;
    }

    private void Assign(Expr target, object? value, Context ctx)
    {
        switch (target)
        {
            case Name n: ctx.Set(n.Id, value); break;
            case Attr { Target: var t, Name: var attr } when Eval(t, ctx) is JinjaNamespace ns: ns[attr] = value; break;
            case ListExpr { Items: var names }:
                var values = JinjaBuiltins.Items(value).ToList();
                if (values.Count != names.Count) throw new InvalidOperationException($"cannot unpack {values.Count} values into {names.Count} names");
                for (int i = 0; i < names.Count; i++) Assign(names[i], values[i], ctx);
                break;
            default: throw new InvalidOperationException("only names and namespace attributes can be assigned");
        }
    }

    private void ExecFor(ForStmt f, Context ctx, StringBuilder sb)
    {
        var source = Eval(f.Iterable, ctx);
        var items = (source is IDictionary<string, object?> d ? d.Keys.Select(k => (object?)k) : JinjaBuiltins.Items(source)).ToList();
        if (f.Condition is not null)
        {
            items = items.Where(item =>
            {
                ctx.Push();
                try { Bind(f.Targets, item, ctx); return Truthy(Eval(f.Condition, ctx)); }
                finally { ctx.Pop(); }
            }).ToList();
        }
        if (items.Count == 0)
        {
            if (f.Else is not null) Exec(f.Else, ctx, sb);
            return;
        }
        for (int i = 0; i < items.Count; i++)
        {
            ctx.Push();
            try
            {
                Bind(f.Targets, items[i], ctx);
                int index = i, count = items.Count;
                ctx.Set("loop", new Dictionary<string, object?>
                {
                    ["index"] = (long)(i + 1), ["index0"] = (long)i, ["revindex"] = (long)(count - i), ["revindex0"] = (long)(count - i - 1),
                    ["first"] = i == 0, ["last"] = i == count - 1, ["length"] = (long)count,
                    ["previtem"] = i > 0 ? items[i - 1] : Undefined.Instance, ["nextitem"] = i + 1 < count ? items[i + 1] : Undefined.Instance,
                    ["cycle"] = (JinjaFunction)((a, _) => a[index % a.Count]),
                });
                if (Exec(f.Body, ctx, sb) == Flow.Break) break;
            }
            finally { ctx.Pop(); }
        }
    }

    private static void Bind(List<string> targets, object? item, Context ctx)
    {
        if (targets.Count == 1) { ctx.Set(targets[0], item); return; }
        var parts = JinjaBuiltins.Items(item).ToList();
        if (parts.Count != targets.Count) throw new InvalidOperationException($"cannot unpack {parts.Count} values into {targets.Count} loop variables");
        for (int i = 0; i < targets.Count; i++) ctx.Set(targets[i], parts[i]);
    }

    private JinjaFunction MakeMacro(MacroStmt m, Context ctx) => (args, kwargs) =>
    {
        ctx.Push();
        try
        {
            for (int i = 0; i < m.Params.Count; i++)
            {
                var (name, def) = m.Params[i];
                ctx.Set(name, i < args.Count ? args[i] : kwargs.TryGetValue(name, out var kv) ? kv : def is null ? Undefined.Instance : Eval(def, ctx));
            }
            var sb = new StringBuilder();
            Exec(m.Body, ctx, sb);
            return sb.ToString();
        }
        finally { ctx.Pop(); }
    };

    private object? Eval(Expr e, Context ctx)
    {
        switch (e)
        {
            case Literal l: return l.Value;
            case Name n: return ctx.Get(n.Id);
            case ListExpr l: return l.Items.Select(x => Eval(x, ctx)).ToList();
            case DictExpr d: return d.Items.ToDictionary(kv => Str(Eval(kv.Key, ctx)), kv => Eval(kv.Value, ctx));
            case Attr a: return JinjaBuiltins.GetAttr(Eval(a.Target, ctx), a.Name);
            case Index ix: return GetItem(Eval(ix.Target, ctx), Eval(ix.Key, ctx));
            case SliceExpr s: return Slice(Eval(s.Target, ctx), Opt(s.Start, ctx), Opt(s.Stop, ctx), Opt(s.Step, ctx));
            case Call c:
            {
                var fn = Eval(c.Target, ctx) as JinjaFunction ?? throw new InvalidOperationException($"{Describe(c.Target)} is not callable");
                return fn(c.Args.Select(x => Eval(x, ctx)).ToList(), c.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value, ctx)));
            }
            case Filter f:
                return JinjaBuiltins.Filter(f.Name, Eval(f.Target, ctx), f.Args.Select(x => Eval(x, ctx)).ToList(),
                    f.Kwargs.ToDictionary(k => k.Name, k => Eval(k.Value, ctx)), JinjaBuiltins.Test);
            case Test t:
            {
                var v = Eval(t.Target, ctx);
                bool r = JinjaBuiltins.Test(t.Name, v, t.Args.Select(x => Eval(x, ctx)).ToList());
                return t.Negated ? !r : r;
            }
            case Unary { Op: "not" } u: return !Truthy(Eval(u.Operand, ctx));
            case Unary u:
            {
                var v = Eval(u.Operand, ctx);
                return v is long l ? (object)(-l) : -ToDouble(v);
            }
            case Binary { Op: "and" } b: { var l = Eval(b.Left, ctx); return Truthy(l) ? Eval(b.Right, ctx) : l; }
            case Binary { Op: "or" } b: { var l = Eval(b.Left, ctx); return Truthy(l) ? l : Eval(b.Right, ctx); }
            case Binary b: return BinaryOp(b.Op, Eval(b.Left, ctx), Eval(b.Right, ctx));
            case Conditional c: return Truthy(Eval(c.Condition, ctx)) ? Eval(c.Then, ctx) : c.Else is null ? Undefined.Instance : Eval(c.Else, ctx);
            default: throw new InvalidOperationException($"cannot evaluate {e.GetType().Name}");
        }
    }

    private object? Opt(Expr? e, Context ctx) => e is null ? null : Eval(e, ctx);

    private static string Describe(Expr e) => e switch { Name n => n.Id, Attr a => a.Name, _ => "expression" };

    private static object? GetItem(object? target, object? key) => target switch
    {
        List<object?> l when key is long i => i < -l.Count || i >= l.Count ? Undefined.Instance : l[(int)(i < 0 ? i + l.Count : i)],
        string s when key is long i => i < -s.Length || i >= s.Length ? Undefined.Instance : s[(int)(i < 0 ? i + s.Length : i)].ToString(),
        IDictionary<string, object?> d => key is string k && d.TryGetValue(k, out var v) ? v : key is string k2 ? JinjaBuiltins.GetAttr(d, k2) : Undefined.Instance,
        Undefined or null => Undefined.Instance,
        _ => key is string name ? JinjaBuiltins.GetAttr(target, name) : Undefined.Instance,
    };

    // Python slicing, including negative steps ([::-1]).
    private static object? Slice(object? target, object? start, object? stop, object? step)
    {
        var items = target is string s ? s.Select(c => (object?)c.ToString()).ToList() : JinjaBuiltins.Items(target).ToList();
        int n = items.Count;
        long st = step is null ? 1 : (long)ToDouble(step);
        if (st == 0) throw new InvalidOperationException("slice step cannot be zero");
        long Clamp(object? v, long def, bool isStart)
        {
            if (v is null) return def;
            long i = (long)ToDouble(v);
            if (i < 0) i += n;
            return st > 0 ? Math.Clamp(i, 0, n) : Math.Clamp(i, -1, n - 1);
        }
        long a = Clamp(start, st > 0 ? 0 : n - 1, true), b = Clamp(stop, st > 0 ? n : -1, false);
        var result = new List<object?>();
        for (long i = a; st > 0 ? i < b : i > b; i += st) result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Select(Str)) : result;
    }

    private static object? BinaryOp(string op, object? l, object? r)
    {
        switch (op)
        {
            case "==": return JinjaValues.Equals(l, r);
            case "!=": return !JinjaValues.Equals(l, r);
            case "<": return JinjaBuiltins.Compare(l, r) < 0;
            case ">": return JinjaBuiltins.Compare(l, r) > 0;
            case "<=": return JinjaBuiltins.Compare(l, r) <= 0;
            case ">=": return JinjaBuiltins.Compare(l, r) >= 0;
            case "in": return JinjaBuiltins.Contains(r, l);
            case "not in": return !JinjaBuiltins.Contains(r, l);
            case "~": return Str(l) + Str(r);
            case "+":
                if (l is string ls && r is string rs) return ls + rs;
                if (l is List<object?> ll && r is List<object?> rl) return ll.Concat(rl).ToList();
                if (l is long a && r is long b) return a + b;
                if (IsNumber(l) && IsNumber(r)) return ToDouble(l) + ToDouble(r);
                throw new InvalidOperationException($"cannot add {TypeName(l)} and {TypeName(r)}");
            case "-": return l is long a1 && r is long b1 ? (object)(a1 - b1) : ToDouble(l) - ToDouble(r);
            case "*":
                if (l is string sm && r is long times) return string.Concat(Enumerable.Repeat(sm, (int)Math.Max(0, times)));
                return l is long a2 && r is long b2 ? (object)(a2 * b2) : ToDouble(l) * ToDouble(r);
            case "/": return ToDouble(l) / ToDouble(r);
            case "//": return l is long a3 && r is long b3 ? (object)(long)Math.Floor((double)a3 / b3) : Math.Floor(ToDouble(l) / ToDouble(r));
            case "%":
                if (l is long a4 && r is long b4) return ((a4 % b4) + b4) % b4;
                return ToDouble(l) - ToDouble(r) * Math.Floor(ToDouble(l) / ToDouble(r));
            case "**": return l is long a5 && r is long b5 && b5 >= 0 ? (object)(long)Math.Pow(a5, b5) : Math.Pow(ToDouble(l), ToDouble(r));
            default: throw new InvalidOperationException($"unknown operator {op}");
        }
    }
}
