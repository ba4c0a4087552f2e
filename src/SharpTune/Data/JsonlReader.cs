using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Data;

/// <summary>Reads JSON Lines with errors that name the file, line and field.</summary>
public static class JsonlReader
{
    public static IEnumerable<(int Line, JsonElement Value)> Read(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found");
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement value;
            try
            {
                using var doc = JsonDocument.Parse(line);
                value = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new SharpTuneException($"{path}:{n}: not valid JSON ({e.Message.Split('.')[0]})");
            }
            if (value.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{path}:{n}: expected a JSON object per line");
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
