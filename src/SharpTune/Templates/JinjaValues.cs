using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SharpTune.Templates;

/// <summary>Jinja's "undefined": falsy, renders as "", any attribute of it is undefined too.</summary>
public sealed class Undefined
{
    public static readonly Undefined Instance = new();
    private Undefined() { }
    public override string ToString() => "";
}

/// <summary>A callable value (globals such as range/namespace, string and dict methods, macros).</summary>
public delegate object? JinjaFunction(List<object?> args, Dictionary<string, object?> kwargs);

/// <summary><c>namespace(...)</c>: the one mutable object, so loops can carry state out.</summary>
public sealed class JinjaNamespace : Dictionary<string, object?>;

/// <summary>Python-flavoured semantics of template values: truthiness, equality, str(), repr(), JSON.</summary>
public static class JinjaValues
{
    /// <summary>Converts parsed JSON (messages, tools, kwargs) to template values.</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    public static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    public static bool IsNumber(object? v) => v is long or double;

    public static double ToDouble(object? v) => v switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidOperationException($"expected a number, got {TypeName(v)}"),
    };

    public static string TypeName(object? v) => v switch
    {
        null => "None", Undefined => "undefined", string => "str", long => "int", double => "float", bool => "bool",
        List<object?> => "list", IDictionary<string, object?> => "dict", _ => v.GetType().Name,
    };

    public new static bool Equals(object? a, object? b)
    {
        if (a is Undefined || b is Undefined) return a is Undefined && b is Undefined;
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b) || a is bool && IsNumber(b) || IsNumber(a) && b is bool) return ToDouble(a) == ToDouble(b);
        if (a is List<object?> la && b is List<object?> lb) return la.Count == lb.Count && la.Zip(lb).All(p => Equals(p.First, p.Second));
        if (a is IDictionary<string, object?> da && b is IDictionary<string, object?> db)
            return da.Count == db.Count && da.All(kv => db.TryGetValue(kv.Key, out var v) && Equals(kv.Value, v));
        return a.Equals(b);
    }

    /// <summary>What <c>{{ v }}</c> prints: Python's str().</summary>
    public static string Str(object? v) => v switch
    {
        Undefined => "",
        string s => s,
        _ => Repr(v),
    };

    public static string Repr(object? v) => v switch
    {
        null => "None",
        Undefined => "",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        string s => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'",
        List<object?> l => "[" + string.Join(", ", l.Select(Repr)) + "]",
        IDictionary<string, object?> d => "{" + string.Join(", ", d.Select(kv => Repr(kv.Key) + ": " + Repr(kv.Value))) + "}",
        _ => v.ToString() ?? "",
    };

    private static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') || s.Contains('e') ? s.Replace("E", "e") : s + ".0";
    }

    /// <summary>Python's json.dumps(v, ensure_ascii=False) with default separators, as transformers' tojson.</summary>
    public static string ToJson(object? v, int? indent = null, bool sortKeys = false)
    {
        var sb = new StringBuilder();
        WriteJson(sb, v, indent, 0, sortKeys);
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? v, int? indent, int depth, bool sortKeys)
    {
        string itemSep = indent is null ? ", " : ",";
        void NewLine(int d) { if (indent is not null) sb.Append('\n').Append(' ', indent.Value * d); }
        switch (v)
        {
            case null or Undefined: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : FormatDouble(d)); break;
            case string s: WriteJsonString(sb, s); break;
            case List<object?> list:
                if (list.Count == 0) { sb.Append("[]"); break; }
                sb.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(itemSep);
                    NewLine(depth + 1);
                    WriteJson(sb, list[i], indent, depth + 1, sortKeys);
                }
                NewLine(depth);
                sb.Append(']');
                break;
            case IDictionary<string, object?> dict:
                if (dict.Count == 0) { sb.Append("{}"); break; }
                sb.Append('{');
                var keys = sortKeys ? dict.Keys.OrderBy(k => k, StringComparer.Ordinal) : (IEnumerable<string>)dict.Keys;
                bool first = true;
                foreach (var k in keys)
                {
                    if (!first) sb.Append(itemSep);
                    first = false;
                    NewLine(depth + 1);
                    WriteJsonString(sb, k);
                    sb.Append(": ");
                    WriteJson(sb, dict[k], indent, depth + 1, sortKeys);
                }
                NewLine(depth);
                sb.Append('}');
                break;
            default: WriteJsonString(sb, v.ToString() ?? ""); break;
        }
    }

    private static void WriteJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4"));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
