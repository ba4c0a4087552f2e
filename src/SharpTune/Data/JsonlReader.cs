using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Data;

/// <summary>Reads JSON Lines with errors that name the file, line and field.</summary>
public static class JsonlReader
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public static IEnumerable<(int Line, JsonElement Value)> Read(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found");
        int n = 0;
        using var lines = File.ReadLines(path, StrictUtf8).GetEnumerator();
        while (true)
        {
            // Invalid UTF-8 is an error naming the line, not text silently replaced by U+FFFD.
            try { if (!lines.MoveNext()) yield break; }
            catch (System.Text.DecoderFallbackException) { throw new SharpTuneException($"{path}:{n + 1}: not valid UTF-8"); }
            n++;
            var line = lines.Current;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement value;
            using (var doc = JsonInput.ParseDocument(System.Text.Encoding.UTF8.GetBytes(line), $"{path}:{n}"))
                value = doc.RootElement.Clone();
            if (value.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{path}:{n}: expected a JSON object per line, got {JsonInput.Kind(value)}");
            yield return (n, value);
        }
    }

    public static string RequireString(JsonElement o, string field, string path, int line, bool allowEmpty = false)
    {
        if (!o.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.String)
            throw new SharpTuneException($"{path}:{line}: field '{field}' is missing or not a string");
        var s = v.GetString()!;
        if (!allowEmpty && string.IsNullOrWhiteSpace(s)) throw new SharpTuneException($"{path}:{line}: field '{field}' is empty");
        return s;
    }

    /// <summary>Pairs <c>{id?, source, summary}</c>.</summary>
    public static List<SummaryPair> ReadPairs(string path, int? limit = null)
    {
        var pairs = new List<SummaryPair>();
        foreach (var (line, o) in Read(path))
        {
            var id = o.TryGetProperty("id", out var idv) && idv.ValueKind == JsonValueKind.String ? idv.GetString()! : $"line{line}";
            pairs.Add(new SummaryPair(id, RequireString(o, "source", path, line), RequireString(o, "summary", path, line)));
            if (limit is int l && pairs.Count >= l) break;
        }
        if (pairs.Count == 0) throw new SharpTuneException($"{path}: no examples");
        return pairs;
    }
}
