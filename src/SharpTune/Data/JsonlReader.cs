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
        foreach (var line in LineBytes(path))
        {
            n++;
            // Invalid UTF-8 is an error naming the line, not text silently replaced by U+FFFD.
            if (!System.Text.Unicode.Utf8.IsValid(line.Span)) throw new SharpTuneException($"{path}:{n}: not valid UTF-8");
            if (IsBlank(line.Span)) continue;
            JsonElement value;
            using (var doc = JsonInput.ParseDocument(line, $"{path}:{n}"))
                value = doc.RootElement.Clone();
            if (value.ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{path}:{n}: expected a JSON object per line, got {JsonInput.Kind(value)}");
            yield return (n, value);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r\f\v"u8) < 0;

    /// <summary>The file's lines as raw bytes (without \n, \r\n, or a leading UTF-8 byte-order mark), read in chunks.</summary>
    private static IEnumerable<ReadOnlyMemory<byte>> LineBytes(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int start = 0, end = 0;
        bool first = true;
        while (true)
        {
            int nl = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                yield return Line(buffer.AsMemory(start, nl), ref first);
                start += nl + 1;
                continue;
            }
            // No full line left in the buffer: keep the partial one at the front, grow if it fills the buffer.
            int pending = end - start;
            if (pending == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            else if (start > 0) Buffer.BlockCopy(buffer, start, buffer, 0, pending);
            start = 0;
            end = pending;
            int read = fs.Read(buffer, end, buffer.Length - end);
            if (read == 0)
            {
                if (end > 0) yield return Line(buffer.AsMemory(0, end), ref first);
                yield break;
            }
            end += read;
        }
    }

    private static ReadOnlyMemory<byte> Line(ReadOnlyMemory<byte> line, ref bool first)
    {
        if (first && line.Span.StartsWith("\uFEFF"u8)) line = line[3..];
        first = false;
        // Copied: the buffer is reused for the next lines.
        return (line.Length > 0 && line.Span[^1] == (byte)'\r' ? line[..^1] : line).ToArray();
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
