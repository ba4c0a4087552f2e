using System.Text.Json;
using SharpTune.Data;
using SharpTune.IO;

namespace SharpTune.Audit;

/// <summary>Reads {id?, source, summary} lines for the audit: empty strings are kept (they are findings), a missing or non-string field is an error.</summary>
public static class AuditData
{
    public static List<AuditExample> Read(string path, int? limit = null)
    {
        var list = new List<AuditExample>();
        foreach (var (line, o) in JsonlReader.Read(path))
        {
            var id = o.TryGetProperty("id", out var v) && v.ValueKind is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : $"line {line}";
            list.Add(new AuditExample(line, id, JsonlReader.RequireString(o, "source", path, line, allowEmpty: true),
                JsonlReader.RequireString(o, "summary", path, line, allowEmpty: true)));
            if (limit is int l && list.Count >= l) break;
        }
        if (list.Count == 0) throw new SharpTuneException($"{path}: no examples");
        return list;
    }
}
