using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.IO;

/// <summary>
/// Typed access to the fields of one JSON object, with one-line errors naming file and field
/// (<c>config.json: field 'rope_scaling.factor' must be a number &gt; 0, got 0</c>). A field that is absent or
/// JSON null reads as null (HF files write null for "not set"); a field of the wrong type is an error, never a
/// silent default.
/// </summary>
public readonly struct JsonFields(JsonObject o, string file, string prefix = "")
{
    public JsonObject Object => o;
    public string File => file;

    public string Name(string key) => prefix + key;

    public SharpTuneException Error(string key, string expected) =>
        new($"{file}: field '{prefix}{key}' must be {expected}, got {JsonInput.Show(o[key])}");

    public SharpTuneException Missing(string key, string expected) =>
        new($"{file}: field '{prefix}{key}' is missing (expected {expected})");

    public bool Has(string key) => o[key] is not null;

    public string? Str(string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw Error(key, "a string"),
    };

    public bool? Bool(string key) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw Error(key, "true or false"),
    };

    /// <summary>A finite number.</summary>
    public double? Double(string key) =>
        o[key] switch
        {
            null => null,
            JsonValue v when JsonInput.Number(v) is double d && double.IsFinite(d) => d,
            _ => throw Error(key, "a finite number"),
        };

    /// <summary>A number in [min, max] (exclusive bounds when <paramref name="minExclusive"/>).</summary>
    public double? Double(string key, double min, double max = double.MaxValue, bool minExclusive = false)
    {
        var d = Double(key);
        if (d is double x && (x < min || x > max || (minExclusive && x == min)))
            throw Error(key, Range(min, max, minExclusive));
        return d;
    }

    /// <summary>An integer (2 and 2.0 both count) in [min, max].</summary>
    public long? Long(string key, long min = long.MinValue, long max = long.MaxValue)
    {
        var n = o[key];
        if (n is null) return null;
        if (n is JsonValue v && JsonInput.Integer(v) is long l) return l >= min && l <= max ? l : throw Error(key, IntRange(min, max));
        throw Error(key, IntRange(min, max));
    }

    public int? Int(string key, int min = int.MinValue, int max = int.MaxValue) => (int?)Long(key, min, max);

    public int ReqInt(string key, int min = 1, int max = int.MaxValue) => Int(key, min, max) ?? throw Missing(key, IntRange(min, max));

    public string ReqStr(string key) => Str(key) ?? throw Missing(key, "a string");

    public JsonObject? Obj(string key) => o[key] switch
    {
        null => null,
        JsonObject x => x,
        _ => throw Error(key, "an object"),
    };

    public JsonArray? Arr(string key) => o[key] switch
    {
        null => null,
        JsonArray x => x,
        _ => throw Error(key, "an array"),
    };

    /// <summary>An integer or a list of integers (HF's eos_token_id), each in [min, max].</summary>
    public int[] IntOrList(string key, int min = 0, int max = int.MaxValue)
    {
        var n = o[key];
        if (n is null) return [];
        if (n is JsonArray a)
        {
            var result = new int[a.Count];
            for (int i = 0; i < a.Count; i++)
            {
                if (a[i] is JsonValue v && JsonInput.Integer(v) is long l && l >= min && l <= max) result[i] = (int)l;
                else throw new SharpTuneException($"{file}: field '{prefix}{key}[{i}]' must be {IntRange(min, max)}, got {JsonInput.Show(a[i])}");
            }
            return result;
        }
        return [Int(key, min, max)!.Value];
    }

    public JsonFields Sub(JsonObject child, string key) => new(child, file, $"{prefix}{key}.");

    /// <summary>The object at <paramref name="key"/> as fields, or null when absent.</summary>
    public JsonFields? SubObj(string key) => Obj(key) is JsonObject child ? Sub(child, key) : null;

    /// <summary>A required list whose items are all objects.</summary>
    public List<JsonFields> Objects(string key)
    {
        var a = Arr(key) ?? throw Missing(key, "a list of objects");
        var result = new List<JsonFields>(a.Count);
        for (int i = 0; i < a.Count; i++)
            result.Add(a[i] is JsonObject child ? Sub(child, $"{key}[{i}]")
                : throw new SharpTuneException($"{file}: field '{prefix}{key}[{i}]' must be an object, got {JsonInput.Show(a[i])}"));
        return result;
    }

    public static string IntRange(long min, long max) =>
        min == long.MinValue && max == long.MaxValue ? "an integer"
        : max == long.MaxValue || max == int.MaxValue ? min == 1 ? "a positive integer" : $"an integer >= {min}"
        : min == long.MinValue || min == int.MinValue ? $"an integer <= {max}"
        : $"an integer in [{min}, {max}]";

    private static string Range(double min, double max, bool minExclusive) =>
        max == double.MaxValue ? $"a number {(minExclusive ? ">" : ">=")} {min}" : $"a number in {(minExclusive ? "(" : "[")}{min}, {max}]";
}
