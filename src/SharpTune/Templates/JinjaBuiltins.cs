using System.Globalization;
using static SharpTune.Templates.JinjaValues;

namespace SharpTune.Templates;

/// <summary>Filters, tests, global functions and the str/dict/list methods chat templates call.</summary>
internal static class JinjaBuiltins
{
    public static Dictionary<string, object?> Globals() => new()
    {
        ["range"] = (JinjaFunction)((a, _) =>
        {
            long start = 0, stop, step = 1;
            if (a.Count == 1) stop = (long)ToDouble(a[0]);
            else { start = (long)ToDouble(a[0]); stop = (long)ToDouble(a[1]); if (a.Count > 2) step = (long)ToDouble(a[2]); }
            var r = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) r.Add(i);
            return r;
        }),
        ["namespace"] = (JinjaFunction)((a, kw) =>
        {
            var ns = new JinjaNamespace();
            if (a.Count > 0 && a[0] is IDictionary<string, object?> init) foreach (var kv in init) ns[kv.Key] = kv.Value;
            foreach (var kv in kw) ns[kv.Key] = kv.Value;
            return ns;
        }),
        ["dict"] = (JinjaFunction)((_, kw) => new Dictionary<string, object?>(kw)),
        ["raise_exception"] = (JinjaFunction)((a, _) => throw new IO.SharpTuneException($"chat template raised: {Str(a.FirstOrDefault())}")),
        ["strftime_now"] = (JinjaFunction)((a, _) => StrfTime(DateTime.Now, Str(a.FirstOrDefault()))),
    };

    // The strftime codes templates use for "today's date".
    private static string StrfTime(DateTime t, string format) => format
        .Replace("%d", t.ToString("dd", CultureInfo.InvariantCulture)).Replace("%b", t.ToString("MMM", CultureInfo.InvariantCulture))
        .Replace("%B", t.ToString("MMMM", CultureInfo.InvariantCulture)).Replace("%Y", t.ToString("yyyy", CultureInfo.InvariantCulture))
        .Replace("%m", t.ToString("MM", CultureInfo.InvariantCulture)).Replace("%H", t.ToString("HH", CultureInfo.InvariantCulture))
        .Replace("%M", t.ToString("mm", CultureInfo.InvariantCulture));

    public static object? Filter(string name, object? v, List<object?> a, Dictionary<string, object?> kw, Func<string, object?, List<object?>, bool> test)
    {
        object? Arg(int i, string key, object? def = null) => i < a.Count ? a[i] : kw.TryGetValue(key, out var x) ? x : def;
        switch (name)
        {
            case "length" or "count": return (long)Length(v);
            case "tojson":
                return ToJson(v, Arg(0, "indent") is long ind ? (int)ind : null, Truthy(Arg(99, "sort_keys", false)));
            case "string": return Str(v);
            case "trim": return Arg(0, "chars") is string chars ? Str(v).Trim(chars.ToCharArray()) : Str(v).Trim();
            case "upper": return Str(v).ToUpperInvariant();
            case "lower": return Str(v).ToLowerInvariant();
            case "capitalize": { var s = Str(v); return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant(); }
            case "title": return CultureInfo.InvariantCulture.TextInfo.ToTitleCase(Str(v).ToLowerInvariant());
            case "default" or "d":
            {
                bool boolean = Truthy(Arg(1, "boolean", false));
                return v is Undefined || (boolean && !Truthy(v)) ? Arg(0, "default_value", "") : v;
            }
            case "first": return Items(v).FirstOrDefault(Undefined.Instance);
            case "last": { var items = Items(v).ToList(); return items.Count > 0 ? items[^1] : Undefined.Instance; }
            case "join": return string.Join(Str(Arg(0, "d", "")), Items(v).Select(x => Arg(1, "attribute") is string at ? Str(GetAttr(x, at)) : Str(x)));
            case "list": return Items(v).ToList();
            case "reverse": return v is string rs ? new string(rs.Reverse().ToArray()) : Items(v).Reverse().ToList();
            case "int": return v is string si ? (long.TryParse(si.Trim(), out var pi) ? pi : 0L) : v is null ? 0L : (long)ToDouble(v);
            case "float": return v is string sf ? (double.TryParse(sf.Trim(), CultureInfo.InvariantCulture, out var pf) ? pf : 0.0) : ToDouble(v);
            case "abs": return v is long l ? (object)Math.Abs(l) : Math.Abs(ToDouble(v));
            case "replace": return Str(v).Replace(Str(a[0]), Str(a[1]));
            case "items": return ((IDictionary<string, object?>)v!).Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList();
            case "safe": return v;
            case "unique": return Items(v).Aggregate(new List<object?>(), (acc, x) => { if (!acc.Any(y => JinjaValues.Equals(x, y))) acc.Add(x); return acc; });
            case "indent":
            {
                var pad = Arg(0, "width", 4L) is long w ? new string(' ', (int)w) : Str(Arg(0, "width"));
                bool first = Truthy(Arg(1, "first", false));
                var lines = Str(v).Split('\n');
                return string.Join("\n", lines.Select((ln, i) => (i == 0 && !first) || ln.Length == 0 ? ln : pad + ln));
            }
            case "map":
                if (kw.TryGetValue("attribute", out var attr)) return Items(v).Select(x => GetAttr(x, Str(attr))).ToList();
                return Items(v).Select(x => Filter(Str(a[0]), x, a.Skip(1).ToList(), new(), test)).ToList();
            case "selectattr" or "rejectattr":
            {
                bool keep = name == "selectattr";
                return Items(v).Where(x =>
                {
                    var val = GetAttr(x, Str(a[0]));
                    bool passes = a.Count > 1 ? test(Str(a[1]), val, a.Skip(2).ToList()) : Truthy(val);
                    return passes == keep;
                }).ToList();
            }
            case "select" or "reject":
            {
                bool keep = name == "select";
                return Items(v).Where(x => (a.Count > 0 ? test(Str(a[0]), x, a.Skip(1).ToList()) : Truthy(x)) == keep).ToList();
            }
            case "sort":
            {
                var list = Items(v).ToList();
                var key = kw.TryGetValue("attribute", out var sa) ? Str(sa) : null;
                list.Sort((x, y) => Compare(key is null ? x : GetAttr(x, key), key is null ? y : GetAttr(y, key)));
                if (Truthy(Arg(0, "reverse", false))) list.Reverse();
                return list;
            }
            case "dictsort": return ((IDictionary<string, object?>)v!).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList();
            case "wordcount": return (long)Str(v).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            default: throw new IO.SharpTuneException($"chat template uses unknown filter '{name}'");
        }
    }

    public static bool Test(string name, object? v, List<object?> a) => name switch
    {
        "defined" => v is not Undefined,
        "undefined" => v is Undefined,
        "none" => v is null,
        "string" => v is string,
        "number" => v is long or double,
        "integer" => v is long,
        "float" => v is double,
        "boolean" => v is bool,
        "true" => v is true,
        "false" => v is false,
        "mapping" => v is IDictionary<string, object?>,
        "iterable" => v is string or List<object?> or IDictionary<string, object?>,
        "sequence" => v is string or List<object?> or IDictionary<string, object?>,
        "callable" => v is JinjaFunction,
        "even" => (long)ToDouble(v) % 2 == 0,
        "odd" => (long)ToDouble(v) % 2 != 0,
        "divisibleby" => (long)ToDouble(v) % (long)ToDouble(a[0]) == 0,
        "eq" or "equalto" or "==" => JinjaValues.Equals(v, a[0]),
        "ne" or "!=" => !JinjaValues.Equals(v, a[0]),
        "in" => Contains(a[0], v),
        "lower" => v is string ls && ls == ls.ToLowerInvariant(),
        "upper" => v is string us && us == us.ToUpperInvariant(),
        _ => throw new IO.SharpTuneException($"chat template uses unknown test '{name}'"),
    };

    public static int Length(object? v) => v switch
    {
        string s => new System.Globalization.StringInfo(s).LengthInTextElements == s.Length ? s.Length : s.EnumerateRunes().Count(),
        System.Collections.ICollection c => c.Count,
        Undefined or null => 0,
        _ => throw new InvalidOperationException($"object of type {TypeName(v)} has no length"),
    };

    public static IEnumerable<object?> Items(object? v) => v switch
    {
        List<object?> l => l,
        IDictionary<string, object?> d => d.Keys,
        string s => s.EnumerateRunes().Select(r => (object?)r.ToString()),
        Undefined or null => [],
        _ => throw new InvalidOperationException($"{TypeName(v)} is not iterable"),
    };

    public static bool Contains(object? container, object? item) => container switch
    {
        string s => s.Contains(Str(item), StringComparison.Ordinal),
        List<object?> l => l.Any(x => JinjaValues.Equals(x, item)),
        IDictionary<string, object?> d => item is string k && d.ContainsKey(k),
        Undefined or null => false,
        _ => throw new InvalidOperationException($"'in' needs a string, list or dict, got {TypeName(container)}"),
    };

    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a).CompareTo(ToDouble(b));
        if (a is string sa && b is string sb) return string.CompareOrdinal(sa, sb);
        throw new InvalidOperationException($"cannot compare {TypeName(a)} with {TypeName(b)}");
    }

    /// <summary>Attribute lookup as Jinja does it: dict key first, then methods.</summary>
    public static object? GetAttr(object? target, string name)
    {
        switch (target)
        {
            case IDictionary<string, object?> d:
                if (d.TryGetValue(name, out var v)) return v;
                return name switch
                {
                    "get" => (JinjaFunction)((a, _) => d.TryGetValue(Str(a[0]), out var x) ? x : a.Count > 1 ? a[1] : null),
                    "items" => (JinjaFunction)((_, _) => d.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList()),
                    "keys" => (JinjaFunction)((_, _) => d.Keys.Select(k => (object?)k).ToList()),
                    "values" => (JinjaFunction)((_, _) => d.Values.ToList()),
                    _ => Undefined.Instance,
                };
            case string s:
                return StringMethod(s, name);
            case List<object?> l:
                return name switch
                {
                    "index" => (JinjaFunction)((a, _) => (long)l.FindIndex(x => JinjaValues.Equals(x, a[0]))),
                    "count" => (JinjaFunction)((a, _) => (long)l.Count(x => JinjaValues.Equals(x, a[0]))),
                    _ => Undefined.Instance,
                };
            default:
                return Undefined.Instance;
        }
    }

    private static object? StringMethod(string s, string name)
    {
        static char[]? Chars(List<object?> a) => a.Count > 0 && a[0] is string c ? c.ToCharArray() : null;
        return name switch
        {
            "startswith" => (JinjaFunction)((a, _) => a[0] is List<object?> opts ? opts.Any(o => s.StartsWith(Str(o), StringComparison.Ordinal)) : s.StartsWith(Str(a[0]), StringComparison.Ordinal)),
            "endswith" => (JinjaFunction)((a, _) => a[0] is List<object?> opts ? opts.Any(o => s.EndsWith(Str(o), StringComparison.Ordinal)) : s.EndsWith(Str(a[0]), StringComparison.Ordinal)),
            "strip" => (JinjaFunction)((a, _) => Chars(a) is { } c ? s.Trim(c) : s.Trim()),
            "lstrip" => (JinjaFunction)((a, _) => Chars(a) is { } c ? s.TrimStart(c) : s.TrimStart()),
            "rstrip" => (JinjaFunction)((a, _) => Chars(a) is { } c ? s.TrimEnd(c) : s.TrimEnd()),
            "upper" => (JinjaFunction)((_, _) => s.ToUpperInvariant()),
            "lower" => (JinjaFunction)((_, _) => s.ToLowerInvariant()),
            "title" => (JinjaFunction)((_, _) => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(s.ToLowerInvariant())),
            "capitalize" => (JinjaFunction)((_, _) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant()),
            "replace" => (JinjaFunction)((a, _) => s.Replace(Str(a[0]), Str(a[1]), StringComparison.Ordinal)),
            "find" => (JinjaFunction)((a, _) => (long)s.IndexOf(Str(a[0]), StringComparison.Ordinal)),
            "count" => (JinjaFunction)((a, _) => (long)(Str(a[0]).Length == 0 ? s.Length + 1 : (s.Length - s.Replace(Str(a[0]), "").Length) / Str(a[0]).Length)),
            "join" => (JinjaFunction)((a, _) => string.Join(s, Items(a[0]).Select(Str))),
            "splitlines" => (JinjaFunction)((_, _) => s.Split('\n').Select(x => (object?)x.TrimEnd('\r')).ToList()),
            "split" => (JinjaFunction)((a, _) =>
            {
                if (a.Count == 0 || a[0] is null)
                    return s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(x => (object?)x).ToList();
                int max = a.Count > 1 ? (int)ToDouble(a[1]) : -1;
                var parts = max >= 0 ? s.Split(Str(a[0]), max + 1) : s.Split(Str(a[0]));
                return parts.Select(x => (object?)x).ToList();
            }),
            "format" => (JinjaFunction)((a, _) =>
            {
                int i = 0;
                return System.Text.RegularExpressions.Regex.Replace(s, @"\{\}", _ => Str(a[i++]));
            }),
            _ => Undefined.Instance,
        };
    }
}
