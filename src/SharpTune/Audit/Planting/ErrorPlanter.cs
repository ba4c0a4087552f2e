using System.Text.Json;
using SharpTune.Data;
using SharpTune.Evaluation.Injection;
using SharpTune.IO;

namespace SharpTune.Audit.Planting;

/// <summary>
/// Plants errors of known kinds in a copy of a data set, to measure the audit: a seeded share of examples, split
/// evenly over four kinds — "swap" (another example's summary), "truncate" (the answer cut at 35–65 % of its
/// characters, often mid-word, as a length limit cuts), "conflict" (a new line repeating an example's source with
/// another example's summary; its original is recorded as "conflict-original"), "inject" (an instruction of the
/// injection suite — English, Russian or a format injection — planted in the source at the start, middle or end;
/// every second one also has the payload as its answer, an example that teaches obeying).
/// </summary>
public static class ErrorPlanter
{
    public static readonly string[] Kinds = ["swap", "truncate", "conflict", "inject"];

    public static (List<AuditExample> Examples, List<PlantedError> Planted) Plant(IReadOnlyList<AuditExample> data, double rate, int seed, string pairTemplate)
    {
        if (rate is <= 0 or > 0.5 || double.IsNaN(rate)) throw new SharpTuneException($"--rate {rate}: expected a share in (0, 0.5]");
        if (data.Count < 8) throw new SharpTuneException("planting needs at least 8 examples");
        var rng = new Random(seed);
        var rows = data.Select(e => (Example: e with { }, Kind: (string?)null, Detail: "")).ToList();
        int total = Math.Max(Kinds.Length, (int)Math.Round(rate * data.Count));
        var order = Enumerable.Range(0, data.Count).OrderBy(_ => rng.Next()).ToList();
        var chosen = order.Take(total).ToList();
        var attacks = InjectionSuite.BuiltIn(pairTemplate).Where(a => !a.IsControl).ToList();
        var inserts = new List<(int After, AuditExample Example, string Detail)>();
        for (int k = 0; k < chosen.Count; k++)
        {
            int i = chosen[k];
            var e = rows[i].Example;
            string kind = Kinds[k % Kinds.Length];
            switch (kind)
            {
                case "swap":
                {
                    var other = Other(data, i, rng);
                    rows[i] = (e with { Summary = other.Summary }, kind, $"summary of {other.Id}; was \"{e.Summary}\"");
                    break;
                }
                case "truncate":
                {
                    var s = e.Summary.Trim();
                    int cut = Math.Clamp((int)Math.Round(s.Length * (0.35 + 0.3 * rng.NextDouble())), 1, Math.Max(1, s.Length - 1));
                    var t = s[..cut].TrimEnd();
                    if (t.Length == 0 || t.Length >= s.Length) { kind = "swap"; goto case "swap"; }
                    rows[i] = (e with { Summary = t }, kind, $"cut at {cut} of {s.Length} characters; was \"{s}\"");
                    break;
                }
                case "conflict":
                {
                    var other = Other(data, i, rng);
                    int after = rng.Next(data.Count);
                    inserts.Add((after, e with { Id = e.Id + "#copy", Summary = other.Summary }, $"source of {e.Id} with the summary of {other.Id}"));
                    rows[i] = (e, "conflict-original", $"its source is repeated with another answer as {e.Id}#copy");
                    break;
                }
                default:
                {
                    var attack = attacks[k / Kinds.Length % attacks.Count];
                    var position = (InjectionPosition)rng.Next(3);
                    bool obeyed = k / Kinds.Length % 2 == 1;
                    rows[i] = (e with { Source = InjectionSuite.Plant(e.Source, attack.Text, position), Summary = obeyed ? attack.Payload : e.Summary }, kind,
                        $"{attack.Kind} at the {position.ToString().ToLowerInvariant()}{(obeyed ? ", answer = the payload" : "")}");
                    break;
                }
            }
        }
        // Copies go after their random positions; lines are renumbered to the planted file's.
        var output = new List<(AuditExample Example, string? Kind, string Detail)>();
        var byAfter = inserts.ToLookup(x => x.After);
        for (int i = 0; i < rows.Count; i++)
        {
            output.Add(rows[i]);
            foreach (var x in byAfter[i]) output.Add((x.Example, "conflict", x.Detail));
        }
        var examples = output.Select((r, n) => r.Example with { Line = n + 1 }).ToList();
        var planted = output.Select((r, n) => (r, n)).Where(t => t.r.Kind is not null)
            .Select(t => new PlantedError(t.n + 1, t.r.Example.Id, t.r.Kind!, t.r.Detail)).ToList();
        return (examples, planted);
    }

    private static AuditExample Other(IReadOnlyList<AuditExample> data, int i, Random rng)
    {
        for (int tries = 0; ; tries++)
        {
            int j = rng.Next(data.Count);
            if (j != i && (AuditText.Normalise(data[j].Summary) != AuditText.Normalise(data[i].Summary) || tries > 100)) return data[j];
        }
    }

    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteData(string path, IEnumerable<AuditExample> examples) =>
        AtomicFile.WriteAllText(path, string.Concat(examples.Select(e => JsonSerializer.Serialize(new { id = e.Id, source = e.Source, summary = e.Summary }, Json) + "\n")));

    public static void WriteRecord(string path, IEnumerable<PlantedError> planted) =>
        AtomicFile.WriteAllText(path, string.Concat(planted.Select(p => JsonSerializer.Serialize(p, Json) + "\n")));

    public static List<PlantedError> ReadRecord(string path) => JsonlReader.Read(path).Select(l => new PlantedError(
        l.Value.TryGetProperty("line", out var v) && v.TryGetInt32(out int n) ? n : throw new SharpTuneException($"{path}:{l.Line}: field 'line' is missing or not an integer"),
        JsonlReader.RequireString(l.Value, "id", path, l.Line), JsonlReader.RequireString(l.Value, "kind", path, l.Line),
        JsonlReader.RequireString(l.Value, "detail", path, l.Line, allowEmpty: true))).ToList();
}
