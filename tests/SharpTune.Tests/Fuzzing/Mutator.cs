using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpTune.Tests.Fuzzing;

/// <summary>
/// A small seeded mutator for parser fuzzing. <see cref="Mutate"/> works on raw bytes (bit flips, truncation,
/// deleted/duplicated ranges, huge numbers, invalid UTF-8, deep nesting); <see cref="MutateJson"/> edits a parsed
/// JSON tree (type swaps string↔number↔array↔object↔null, extreme numbers, removed and duplicated keys, hostile
/// strings) and falls back to bytes when the input is not JSON. The same input and Random state always give the
/// same output, and <see cref="Description"/> says what was done, so a failing case can be replayed.
/// </summary>
public sealed class Mutator
{
    /// <summary>What the last call did, for failure messages.</summary>
    public string Description { get; private set; } = "";

    private static readonly string[] Numbers =
    [
        "0", "-1", "-5", "1", "2000000000", "2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807",
        "9223372036854775808", "99999999999999999999", "1e308", "1e400", "-1e400", "192.5", "0.5", "-0", "1e-320", "3.0",
    ];

    // Bytes that are never valid UTF-8 where they stand: overlong, surrogate, beyond U+10FFFF, lone continuation.
    private static readonly byte[][] BadUtf8 = [[0xC0, 0xAF], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82]];

    private static readonly string[] Strings =
    [
        "", " ", "x", "\n", "a\nb\r\nc", "../../../../etc/passwd", "/etc/passwd", "..", "~/x", "\u0000", "null", "-1", "1e400",
        "[]", "{}", "\u00e9\u6f22\U0001F600", "\\", "\"", "<0xZZ>", "{{ x }}", "{%", new string('a', 5000), "*", "(", "\\p{", "[",
    ];

    public byte[] Mutate(byte[] input, Random rng)
    {
        var log = new List<string>();
        var data = input;
        int rounds = 1 + rng.Next(3);
        for (int i = 0; i < rounds; i++) data = MutateBytes(data, rng, log);
        Description = string.Join("; ", log);
        return data;
    }

    public byte[] MutateJson(byte[] input, Random rng)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(input); }
        catch (JsonException) { return Mutate(input, rng); }
        if (rng.Next(5) == 0) return Mutate(input, rng); // keep some raw-byte cases on valid JSON too
        var log = new List<string>();
        int rounds = 1 + rng.Next(2);
        string? duplicateKey = null;
        for (int i = 0; i < rounds; i++) root = MutateTree(root, rng, log, ref duplicateKey);
        var text = root?.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";
        if (duplicateKey is not null)
        {
            // A JsonObject cannot hold a key twice, so the duplicate is written into the text.
            int at = text.IndexOf(JsonSerializer.Serialize(duplicateKey) + ":", StringComparison.Ordinal);
            if (at >= 0) text = text[..at] + JsonSerializer.Serialize(duplicateKey) + ":0," + text[at..];
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        if (rng.Next(8) == 0) bytes = MutateBytes(bytes, rng, log);
        Description = string.Join("; ", log);
        return bytes;
    }

    private static byte[] MutateBytes(byte[] data, Random rng, List<string> log)
    {
        if (data.Length == 0) { log.Add("insert into empty"); return Encoding.UTF8.GetBytes(Numbers[rng.Next(Numbers.Length)]); }
        int pos = rng.Next(data.Length);
        switch (rng.Next(10))
        {
            case 0:
            {
                var d = (byte[])data.Clone();
                int flips = 1 + rng.Next(4);
                for (int i = 0; i < flips; i++) { int p = rng.Next(d.Length), bit = rng.Next(8); d[p] ^= (byte)(1 << bit); }
                log.Add($"flip {flips} bit(s) from @{pos}");
                return d;
            }
            case 1:
                log.Add($"truncate @{pos}");
                return data[..pos];
            case 2:
            {
                int len = Math.Min(1 + rng.Next(16), data.Length - pos);
                log.Add($"delete {len} @{pos}");
                return [.. data[..pos], .. data[(pos + len)..]];
            }
            case 3:
            {
                int len = Math.Min(1 + rng.Next(32), data.Length - pos);
                log.Add($"duplicate {len} @{pos}");
                return [.. data[..(pos + len)], .. data[pos..]];
            }
            case 4:
            case 5:
            {
                // Replace a run of digits (a JSON number, most likely) with an extreme one.
                int start = FindDigit(data, pos);
                var number = Numbers[rng.Next(Numbers.Length)];
                if (start < 0) { log.Add($"insert {number} @{pos}"); return Insert(data, pos, Encoding.UTF8.GetBytes(number)); }
                int end = start;
                while (end < data.Length && (char.IsAsciiDigit((char)data[end]) || data[end] is (byte)'.' or (byte)'e' or (byte)'-' or (byte)'+')) end++;
                log.Add($"number @{start} -> {number}");
                return [.. data[..start], .. Encoding.UTF8.GetBytes(number), .. data[end..]];
            }
            case 6:
            {
                var bad = BadUtf8[rng.Next(BadUtf8.Length)];
                log.Add($"invalid UTF-8 {Convert.ToHexString(bad)} @{pos}");
                return Insert(data, pos, bad);
            }
            case 7:
            {
                int depth = 50 + rng.Next(2000);
                var open = rng.Next(2) == 0 ? "[" : "{\"a\":";
                var nest = new StringBuilder().Insert(0, open, depth).ToString();
                log.Add($"nest {depth}x'{open}' @{pos}");
                return Insert(data, pos, Encoding.UTF8.GetBytes(nest));
            }
            case 8:
            {
                var token = new[] { "\\ud800", "\\udfff", "\\u0000", "\\x", "\"", ",", ":", "}", "]", "{", "[", "null", "true" }[rng.Next(13)];
                log.Add($"insert '{token}' @{pos}");
                return Insert(data, pos, Encoding.UTF8.GetBytes(token));
            }
            default:
            {
                var d = (byte[])data.Clone();
                byte b = new byte[] { 0, 0xFF, 0x7F, 0x80, (byte)'"', (byte)'{', (byte)'[', (byte)',', (byte)'-', (byte)'.', (byte)'9' }[rng.Next(11)];
                d[pos] = b;
                log.Add($"set @{pos} = 0x{b:X2}");
                return d;
            }
        }
    }

    private static int FindDigit(byte[] data, int from)
    {
        for (int i = 0; i < data.Length; i++)
        {
            int p = (from + i) % data.Length;
            if (char.IsAsciiDigit((char)data[p]))
            {
                while (p > 0 && (char.IsAsciiDigit((char)data[p - 1]) || data[p - 1] is (byte)'-' or (byte)'.')) p--;
                return p;
            }
        }
        return -1;
    }

    private static byte[] Insert(byte[] data, int pos, byte[] what) => [.. data[..pos], .. what, .. data[pos..]];

    private JsonNode? MutateTree(JsonNode? root, Random rng, List<string> log, ref string? duplicateKey)
    {
        var nodes = new List<(JsonNode? Parent, string? Key, int Index, JsonNode? Node, string Path)>();
        Collect(root, null, null, -1, "$", nodes, 0);
        var (parent, key, index, node, path) = nodes[rng.Next(nodes.Count)];
        int op = rng.Next(10);
        if (op == 0 && parent is JsonObject po && key is not null)
        {
            po.Remove(key);
            log.Add($"remove {path}");
            return root;
        }
        if (op == 1 && parent is JsonArray pa && index >= 0)
        {
            pa.RemoveAt(index);
            log.Add($"remove {path}");
            return root;
        }
        if (op == 2 && parent is JsonObject && key is not null)
        {
            duplicateKey = key;
            log.Add($"duplicate key {path}");
            return root;
        }
        var replacement = op <= 4 && node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? ExtremeNumber(v, rng)
            : op <= 4 && node is JsonValue s && s.GetValueKind() == JsonValueKind.String ? JsonValue.Create(Strings[rng.Next(Strings.Length)])
            : op == 5 && node is JsonArray arr ? AppendOdd(arr, rng)
            : OtherType(node, rng);
        log.Add($"{path} -> {Clip(replacement?.ToJsonString() ?? "null")}");
        if (parent is null) return replacement;
        if (parent is JsonObject o) o[key!] = replacement;
        else ((JsonArray)parent)[index] = replacement;
        return root;
    }

    private static void Collect(JsonNode? node, JsonNode? parent, string? key, int index, string path, List<(JsonNode?, string?, int, JsonNode?, string)> nodes, int depth)
    {
        nodes.Add((parent, key, index, node, path));
        if (depth > 6 || nodes.Count > 5000) return;
        if (node is JsonObject o)
            foreach (var (k, child) in o.ToList()) Collect(child, o, k, -1, $"{path}.{Clip(k, 24)}", nodes, depth + 1);
        else if (node is JsonArray a)
            for (int i = 0; i < a.Count; i++) Collect(a[i], a, null, i, $"{path}[{i}]", nodes, depth + 1);
    }

    private static JsonNode? ExtremeNumber(JsonValue v, Random rng)
    {
        double d = v.TryGetValue<double>(out var x) && double.IsFinite(x) ? x : 1;
        return rng.Next(3) switch
        {
            0 => JsonNode.Parse(Numbers[rng.Next(Numbers.Length)]),
            1 => JsonValue.Create(-d),
            _ => JsonValue.Create(d + 0.5),
        };
    }

    private static JsonNode AppendOdd(JsonArray arr, Random rng)
    {
        var copy = (JsonArray)arr.DeepClone();
        copy.Add(OtherType(arr.Count > 0 ? arr[0] : null, rng));
        return copy;
    }

    /// <summary>A value of a different JSON type than <paramref name="node"/>.</summary>
    private static JsonNode? OtherType(JsonNode? node, Random rng)
    {
        var kind = node is null ? JsonValueKind.Null : node.GetValueKind();
        while (true)
        {
            int pick = rng.Next(7);
            JsonNode? candidate = pick switch
            {
                0 => JsonValue.Create(Strings[rng.Next(Strings.Length)]),
                1 => JsonNode.Parse(Numbers[rng.Next(Numbers.Length)]),
                2 => new JsonArray(JsonValue.Create(1), JsonValue.Create("x")),
                3 => new JsonArray(),
                4 => new JsonObject { ["a"] = 1 },
                5 => JsonValue.Create(rng.Next(2) == 0),
                _ => null,
            };
            var ck = candidate is null ? JsonValueKind.Null : candidate.GetValueKind();
            bool same = ck == kind || (ck is JsonValueKind.True or JsonValueKind.False && kind is JsonValueKind.True or JsonValueKind.False);
            if (!same) return candidate;
        }
    }

    private static string Clip(string s, int max = 60) => s.Length <= max ? s.Replace("\n", "\\n") : s[..max].Replace("\n", "\\n") + "…";
}
