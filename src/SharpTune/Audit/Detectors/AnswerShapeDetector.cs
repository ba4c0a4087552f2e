namespace SharpTune.Audit.Detectors;

/// <summary>
/// Answers that are not summaries: empty (or no letters/digits), copied (the answer, normalised, is the source or a
/// prefix of it, with ≥ <see cref="AuditOptions.CopiedMinWords"/> words), and truncated — unbalanced brackets or
/// quotes, ending in a joining word ("and", "of", "for" …) or a dangling "-", ",", ":", or ending in a cut word: a
/// last word (≥ 2 characters, not a number) that is no word of the data's vocabulary — every source word, and every
/// answer word used by at least two answers — but begins a longer word of it ("… for managing TMX fi").
/// Empty sources are flagged too.
/// </summary>
public sealed class AnswerShapeDetector : IAuditDetector
{
    public const string Empty = "empty-answer", EmptySource = "empty-source", Copied = "copied-answer", Truncated = "truncated-answer";

    public IReadOnlyList<string> Kinds => [Empty, EmptySource, Copied, Truncated];

    private static readonly HashSet<string> Joiners = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "of", "for", "with", "to", "in", "on", "from", "by", "at", "as", "into", "via", "but", "nor", "that", "which",
    };

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        var o = c.Options;
        // A real word at the end of an answer is almost always here; a cut one ("perso") almost never.
        var vocabulary = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in c.Train) foreach (var w in AuditText.Words(e.Source)) vocabulary.Add(w);
        foreach (var g in c.Train.SelectMany(e => AuditText.Words(e.Summary).Distinct()).GroupBy(w => w).Where(g => g.Count() >= 2)) vocabulary.Add(g.Key);
        var sorted = vocabulary.Order(StringComparer.Ordinal).ToArray();
        for (int i = 0; i < c.Train.Count; i++)
        {
            var e = c.Train[i];
            var answer = AuditText.Normalise(e.Summary);
            var source = AuditText.Normalise(e.Source);
            if (source.Length == 0) yield return new Finding(i, EmptySource, "the source has no letters or digits", 1.0);
            if (answer.Length == 0)
            {
                yield return new Finding(i, Empty, e.Summary.Length == 0 ? "the answer is empty" : "the answer has no letters or digits", 1.0);
                continue;
            }
            var words = answer.Split(' ');
            if (source.Length > 0 && words.Length >= o.CopiedMinWords && (source == answer || source.StartsWith(answer + " ", StringComparison.Ordinal)))
                yield return new Finding(i, Copied, source == answer ? "the answer is the whole source" : $"the answer is the first {words.Length} words of the source", 0.9);
            if (TruncationSign(e.Summary, words, vocabulary, sorted) is { } why)
                yield return new Finding(i, Truncated, why, 0.8);
        }
    }

    internal static string? TruncationSign(string raw, string[] words, HashSet<string> vocabulary, string[] sortedVocabulary)
    {
        var t = raw.TrimEnd();
        if (Count(t, '(') > Count(t, ')')) return "an opening parenthesis is never closed";
        if (Count(t, '[') > Count(t, ']')) return "an opening bracket is never closed";
        if (Count(t, '"') % 2 == 1) return "a quotation mark is never closed";
        if (t.Length > 0 && t[^1] is ',' or ':' or ';' or '-' or '/' or '(' && !t.EndsWith("--", StringComparison.Ordinal)) return $"the answer ends with \"{t[^1]}\"";
        var last = words[^1];
        if (words.Length > 1 && Joiners.Contains(last)) return $"the answer ends with \"{last}\"";
        if (last.Length >= 2 && !last.All(char.IsDigit) && !vocabulary.Contains(last))
        {
            // The first vocabulary word at or after "last" in ordinal order is the one it would begin.
            int at = Array.BinarySearch(sortedVocabulary, last, StringComparer.Ordinal);
            if (at < 0) at = ~at;
            if (at < sortedVocabulary.Length && sortedVocabulary[at].StartsWith(last, StringComparison.Ordinal))
                return $"the last word \"{last}\" is no word of the data but begins \"{sortedVocabulary[at]}\"";
        }
        return null;
    }

    private static int Count(string s, char c) => s.Count(x => x == c);
}
