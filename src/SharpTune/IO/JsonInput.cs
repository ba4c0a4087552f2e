using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.IO;

/// <summary>
/// Strict parsing of user JSON files into one-line <see cref="SharpTuneException"/>s naming the file.
/// System.Text.Json defers some failures to the first read of a value (invalid UTF-8 inside a string, a lone
/// surrogate escape such as "\ud800", duplicate keys in a JsonObject), which would surface far from the file as
/// InvalidOperationException or ArgumentException; <see cref="Check"/> finds them all up front instead.
/// </summary>
public static class JsonInput
{
    public const int MaxDepth = 64;
    public static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = MaxDepth };
    private static readonly JsonDocumentOptions LenientOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Reads a file's bytes (without a UTF-8 byte-order mark), with one-line errors.</summary>
    public static byte[] ReadFile(string path, string? missingHint = null)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found{(missingHint is null ? "" : $" ({missingHint})")}");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpTuneException($"{path}: cannot read ({OneLine(e.Message)})", e);
        }
        return bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
    }

    /// <summary>
    /// Checks what System.Text.Json only reports lazily, as InvalidOperationException on first read: invalid
    /// UTF-8, and \u escapes that form a lone UTF-16 surrogate. Syntax and depth errors come from the parse itself.
    /// A linear scan (no tokenizing), so it costs a few milliseconds on an 11 MB tokenizer.json.
    /// </summary>
    public static void Check(ReadOnlySpan<byte> bytes, string path)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw new SharpTuneException($"{path}: not valid UTF-8 (first bad byte at offset {FirstInvalidUtf8(bytes)})");
        if (LoneSurrogateEscape(bytes) is int at)
            throw new SharpTuneException($"{path}: the \\u escape at byte {at} is half of a UTF-16 surrogate pair (not valid Unicode)");
    }

    // Offset of a \uD800–\uDFFF escape that is not a high surrogate followed by a low one, or null.
    private static int? LoneSurrogateEscape(ReadOnlySpan<byte> bytes)
    {
        bool pendingHigh = false;
        int highAt = 0, i = 0;
        while (true)
        {
            int k = bytes[i..].IndexOf((byte)'\\');
            if (k < 0) break;
            int at = i + k;
            if (at + 1 >= bytes.Length) break;
            byte next = bytes[at + 1];
            int surrogate = next == (byte)'u' && at + 5 < bytes.Length ? SurrogateKind(bytes.Slice(at + 2, 4)) : 0;
            if (pendingHigh && (surrogate != 2 || at != highAt + 6)) return highAt;
            pendingHigh = false;
            if (surrogate == 1) { pendingHigh = true; highAt = at; }
            else if (surrogate == 2 && !(at >= 6 && highAt == at - 6 && SurrogateKind(bytes.Slice(at - 4, 4)) == 1)) return at;
            i = at + 2; // skips the escaped character, so "\\" never starts an escape
        }
        return pendingHigh ? highAt : null;
    }

    // 1 for a high surrogate (D800–DBFF), 2 for a low one (DC00–DFFF), 0 otherwise.
    private static int SurrogateKind(ReadOnlySpan<byte> hex)
    {
        if ((hex[0] | 0x20) != 'd') return 0;
        int second = hex[1] | 0x20;
        return second is >= '8' and <= '9' or 'a' or 'b' ? 1 : second is >= 'c' and <= 'f' ? 2 : 0;
    }

    /// <summary>Parses checked bytes into a node tree (null for the JSON literal null).</summary>
    public static JsonNode? ParseNode(byte[] bytes, string path)
    {
        Check(bytes, path);
        try { return JsonNode.Parse(bytes, null, Options); }
        catch (JsonException e) { throw new SharpTuneException($"{path}: not valid JSON ({OneLine(e.Message)})"); }
    }

    /// <summary>Parses a file whose top level must be an object.</summary>
    public static JsonObject LoadObject(string path, string? missingHint = null) => ParseObject(ReadFile(path, missingHint), path);

    public static JsonObject ParseObject(byte[] bytes, string path) => ParseNode(bytes, path) switch
    {
        JsonObject o => o,
        var other => throw new SharpTuneException($"{path}: expected a JSON object at the top level, got {Kind(other)}"),
    };

    /// <summary>Parses checked bytes into a document (the caller disposes it).</summary>
    /// <param name="allowDuplicates">Skip the duplicate-key check, whose cost shows on large objects (a
    /// tokenizer's vocabulary); JsonDocument itself tolerates duplicates, only JsonNode objects throw on them.</param>
    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> bytes, string path, bool allowDuplicates = false)
    {
        Check(bytes.Span, path);
        try { return JsonDocument.Parse(bytes, allowDuplicates ? LenientOptions : Options); }
        catch (JsonException e) { throw new SharpTuneException($"{path}: not valid JSON ({OneLine(e.Message)})"); }
    }

    /// <summary>
    /// The value of a JSON number, whether the node was parsed (backed by a JsonElement) or built in code
    /// (backed by an int, long, double…, where TryGetValue of another numeric type fails); null if not a number.
    /// </summary>
    public static double? Number(JsonValue v)
    {
        if (v.GetValueKind() != JsonValueKind.Number) return null;
        if (v.TryGetValue<double>(out var d)) return d;
        return double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out d) ? d : null;
    }

    /// <summary>A JSON number that is a whole number within long range (2, 2.0 and 2e0 alike), else null.</summary>
    public static long? Integer(JsonValue v)
    {
        if (v.GetValueKind() != JsonValueKind.Number) return null;
        if (v.TryGetValue<long>(out var l) || long.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out l)) return l;
        // 2^63 itself rounds to long.MaxValue + 1 in double, so the upper bound is exclusive.
        return Number(v) is double d && d == Math.Floor(d) && d >= long.MinValue && d < 9.2233720368547758E18 ? (long)d : null;
    }

    /// <summary>"an object", "a string", … for messages.</summary>
    public static string Kind(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        },
        _ => "a value",
    };

    public static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>A user value as it may appear in a one-line message: JSON text, control characters removed, clipped.</summary>
    public static string Show(JsonNode? n) => Clip(n?.ToJsonString() ?? "null");

    public static string Show(JsonElement e) => Clip(e.GetRawText());

    /// <summary>User text for a one-line message: no line breaks or control characters, at most <paramref name="max"/> chars.</summary>
    public static string Clip(string s, int max = 80)
    {
        var sb = new StringBuilder(Math.Min(s.Length, max + 1));
        foreach (var c in s)
        {
            if (sb.Length >= max) { sb.Append('…'); break; }
            sb.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? ' ' : c);
        }
        return sb.ToString();
    }

    /// <summary>An exception message reduced to its first line.</summary>
    public static string OneLine(string message) => Clip(message.Split('\n', 2)[0].TrimEnd('\r'), 200);

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done) return offset;
            offset += consumed;
        }
        return offset;
    }
}
