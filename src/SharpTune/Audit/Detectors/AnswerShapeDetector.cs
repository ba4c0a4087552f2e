namespace SharpTune.Audit.Detectors;

/// <summary>
/// Answers that are not summaries: empty (or no letters/digits), copied (the answer, normalised, is the source or a
/// prefix of it, with ≥ <see cref="AuditOptions.CopiedMinWords"/> words), and truncated — unbalanced brackets or
/// quotes, ending in a joining word ("and", "of", "for" …) or a dangling "-", ",", ":", or ending in a cut word: a
/// last word (≥ 2 characters, not a number) that is no word of the data's vocabulary (words of at least two examples)
/// but begins a longer word of it ("… for managing TMX fi"), or a short one (2–4 characters) that begins a word
/// <see cref="CutWordFrequencyRatio"/> times as frequent ("… characters fr" → "from").
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
        // Words of at least two examples (source or answer): a one-off fragment in some other text is not a word.
        var frequency = c.Train.SelectMany(e => AuditText.Words(e.Source).Concat(AuditText.Words(e.Summary)).Distinct())
            .GroupBy(w => w, StringComparer.Ordinal).Where(g => g.Count() >= 2).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var sorted = frequency.Keys.Order(StringComparer.Ordinal).ToArray();
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
            if (TruncationSign(e.Summary, words, frequency, sorted) is { } why)
                yield return new Finding(i, Truncated, why, 0.8);
        }
    }

    /// <summary>A short last word (2–4 characters) counts as cut when a word it begins is this many times as frequent ("fr" → "from").</summary>
    public const int CutWordFrequencyRatio = 20;

    internal static string? TruncationSign(string raw, string[] words, Dictionary<string, int> frequency, string[] sortedVocabulary)
    {
        var t = raw.TrimEnd();
        if (Count(t, '(') > Count(t, ')')) return "an opening parenthesis is never closed";
        if (Count(t, '[') > Count(t, ']')) return "an opening bracket is never closed";
        if (Count(t, '"') % 2 == 1) return "a quotation mark is never closed";
        if (t.Length > 0 && t[^1] is ',' or ':' or ';' or '-' or '/' or '(' && !t.EndsWith("--", StringComparison.Ordinal)) return $"the answer ends with \"{t[^1]}\"";
        var last = words[^1];
        // "Plug-in", "add-on": a joining word hyphenated to the one before is part of a compound.
        if (words.Length > 1 && Joiners.Contains(last) && !t.EndsWith("-" + last, StringComparison.OrdinalIgnoreCase)) return $"the answer ends with \"{last}\"";
        if (last.Length < 2 || last.All(char.IsDigit)) return null;
        int own = frequency.GetValueOrDefault(last);
        // The vocabulary words "last" begins sit right after it in ordinal order; the most frequent one is the likely whole word.
        int at = Array.BinarySearch(sortedVocabulary, last, StringComparer.Ordinal);
        if (at < 0) at = ~at;
        string? best = null;
        for (int k = at; k < sortedVocabulary.Length && sortedVocabulary[k].StartsWith(last, StringComparison.Ordinal); k++)
            if (sortedVocabulary[k].Length > last.Length && (best is null || frequency[sortedVocabulary[k]] > frequency[best])) best = sortedVocabulary[k];
        if (best is null) return null;
        if (own == 0) return $"the last word \"{last}\" is no word of the data but begins \"{best}\"";
        // Only a bare ending: "(lib)" or "lib." was written whole.
        if (last.Length <= 4 && char.IsLetterOrDigit(t[^1]) && frequency[best] >= CutWordFrequencyRatio * own)
            return $"the last word \"{last}\" (in {own} examples) begins \"{best}\" (in {frequency[best]})";
        return null;
    }

    private static int Count(string s, char c) => s.Count(x => x == c);
}
