using System.Text;

namespace SharpTune.Audit.Detectors;

/// <summary>
/// Answers (and sources) written in another script than the data's majority: each text's dominant script by its
/// letters (Latin, Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai, Han/Kana, Hangul, other), the majority over
/// all texts with ≥ <see cref="AuditOptions.ScriptMinLetters"/> letters, and a flag where a text's dominant script
/// differs. Languages sharing a script (English and German) are not told apart: no language model is used.
/// </summary>
public sealed class ScriptDetector : IAuditDetector
{
    public const string Answer = "answer-other-script", Source = "source-other-script";

    public IReadOnlyList<string> Kinds => [Answer, Source];

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        var min = c.Options.ScriptMinLetters;
        foreach (var (kind, pick) in new (string, Func<AuditExample, string>)[] { (Answer, e => e.Summary), (Source, e => e.Source) })
        {
            var scripts = c.Train.Select(e => Dominant(pick(e), min)).ToList();
            var majority = scripts.OfType<string>().GroupBy(s => s).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
            if (majority is null) continue;
            for (int i = 0; i < scripts.Count; i++)
                if (scripts[i] is { } s && s != majority)
                    yield return new Finding(i, kind, $"{(kind == Answer ? "answer" : "source")} mostly in {s} script, the data's majority is {majority}", kind == Answer ? 0.7 : 0.5);
        }
    }

    /// <summary>The script most of the text's letters are in, or null with fewer than <paramref name="minLetters"/> letters.</summary>
    public static string? Dominant(string text, int minLetters)
    {
        var counts = new Dictionary<string, int>();
        int letters = 0;
        foreach (var r in text.EnumerateRunes())
        {
            if (!Rune.IsLetter(r)) continue;
            letters++;
            var s = Of(r.Value);
            counts[s] = counts.GetValueOrDefault(s) + 1;
        }
        return letters < minLetters ? null : counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;
    }

    public static string Of(int cp) => cp switch
    {
        < 0x0250 or (>= 0x1E00 and < 0x1F00) => "Latin",
        >= 0x0370 and < 0x0400 or (>= 0x1F00 and < 0x2000) => "Greek",
        >= 0x0400 and < 0x0530 => "Cyrillic",
        >= 0x0590 and < 0x0600 => "Hebrew",
        >= 0x0600 and < 0x0780 => "Arabic",
        >= 0x0900 and < 0x0980 => "Devanagari",
        >= 0x0E00 and < 0x0E80 => "Thai",
        >= 0x3040 and < 0x3100 or (>= 0x3400 and < 0xA000) or (>= 0x20000 and < 0x30000) => "Han/Kana",
        >= 0xAC00 and < 0xD7B0 or (>= 0x1100 and < 0x1200) => "Hangul",
        _ => "other",
    };
}
