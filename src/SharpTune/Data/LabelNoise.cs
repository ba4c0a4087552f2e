using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Data;

/// <summary>
/// `train --noise P`: corrupts a seeded share P of the training answers, in two recorded ways taken in turn:
/// "swap" gives the example another example's summary (a plausible but wrong label), "canary" replaces it with
/// <see cref="Canary"/>, a phrase no clean source or summary contains, so its appearance in any output is a leak.
/// </summary>
public static class LabelNoise
{
    public const string Canary = "zebra quantum marmalade";

    public static (List<SummaryPair> Pairs, List<NoisyLabel> Corrupted) Apply(IReadOnlyList<SummaryPair> pairs, double rate, int seed)
    {
        if (rate is < 0 or > 1 || double.IsNaN(rate)) throw new IO.SharpTuneException($"--noise {rate}: expected a fraction from 0 to 1");
        var result = pairs.ToList();
        var corrupted = new List<NoisyLabel>();
        int count = (int)Math.Round(rate * pairs.Count);
        if (count == 0) return (result, corrupted);
        // System.Random with a seed is the same sequence in every process and on every run.
        var rng = new Random(seed);
        var chosen = Enumerable.Range(0, pairs.Count).OrderBy(_ => rng.Next()).Take(count).Order().ToList();
        for (int k = 0; k < chosen.Count; k++)
        {
            int i = chosen[k];
            var p = pairs[i];
            string kind, noisy;
            if (k % 2 == 0 && pairs.Count > 1)
            {
                // Another example's summary, one that differs from this one's.
                int j = rng.Next(pairs.Count - 1);
                if (j >= i) j++;
                for (int tries = 0; pairs[j].Summary.Trim() == p.Summary.Trim() && tries < pairs.Count; tries++) j = (j + 1) % pairs.Count;
                kind = "swap"; noisy = pairs[j].Summary;
            }
            else
            {
                kind = "canary"; noisy = Canary;
            }
            result[i] = p with { Summary = noisy };
            corrupted.Add(new NoisyLabel(p.Id, kind, p.Source, p.Summary, noisy));
        }
        return (result, corrupted);
    }

    public const string RecordFileName = "noise.jsonl";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Writes the corruption record as JSON Lines {id, kind, source, clean, noisy}.</summary>
    public static void Save(string path, IEnumerable<NoisyLabel> corrupted) =>
        AtomicFile.WriteAllText(path, string.Concat(corrupted.Select(n => JsonSerializer.Serialize(n, Json) + "\n")));

    public static List<NoisyLabel> Load(string path) => JsonlReader.Read(path).Select(l => new NoisyLabel(
        JsonlReader.RequireString(l.Value, "id", path, l.Line), JsonlReader.RequireString(l.Value, "kind", path, l.Line),
        JsonlReader.RequireString(l.Value, "source", path, l.Line), JsonlReader.RequireString(l.Value, "clean", path, l.Line, allowEmpty: true),
        JsonlReader.RequireString(l.Value, "noisy", path, l.Line, allowEmpty: true))).ToList();
}
