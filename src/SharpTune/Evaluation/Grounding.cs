using System.Globalization;
using System.Text;

namespace SharpTune.Evaluation;

/// <summary>
/// Model-free hallucination measures: how much of a summary is not supported by its source, by the matching rule
/// of Nan et al. (2021, "Entity-level factual consistency of abstractive text summarization"): a summary unit is
/// supported when it occurs in the source case-insensitively, a multi-token unit as a contiguous span.
/// Units: content tokens (word tokens that are not English function words), numbers, and capitalised names
/// (maximal runs of tokens starting with an upper-case letter that are not function words, not crossing punctuation). Tokens are
/// maximal runs of letters, digits and inner '.', ',', '-', '+' between digits/letters (so "2.6", "x86-64",
/// "C++" stay whole). No NER model is used, so "names" are a surface heuristic; the same rule runs on the
/// references, which gives the data's own baseline.
/// </summary>
public static class Grounding
{
    public static GroundingScore Score(string summary, string source)
    {
        var src = Tokenize(source).Select(Fold).ToArray();
        var srcSet = src.ToHashSet();
        var toks = Tokenize(summary);
        var content = toks.Where(t => !IsFunctionWord(t)).ToList();
        int unsupportedContent = content.Count(t => !srcSet.Contains(Fold(t)));
        var numbers = toks.Where(IsNumber).ToList();
        var unsupportedNumbers = numbers.Where(n => !srcSet.Contains(Fold(n))).ToList();
        var names = NameSpans(summary);
        var unsupportedNames = names.Where(span => !ContainsSpan(src, span.Select(Fold).ToArray())).Select(s => string.Join(' ', s)).ToList();
        return new GroundingScore(content.Count, unsupportedContent, numbers.Count, unsupportedNumbers, names.Count, unsupportedNames);
    }

    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var sb = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool word = char.IsLetterOrDigit(c) || char.IsSurrogate(c) && char.IsLetter(text, i - (char.IsLowSurrogate(c) ? 1 : 0));
            // Joiners stay inside a token when a letter or digit follows ("2.6", "x86-64"), or "+" closes "C++".
            bool joiner = sb.Length > 0 && (c is '.' or ',' or '-' or '\'' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1])
                                            || c == '+');
            if (word || joiner) sb.Append(c);
            else Flush();
        }
        Flush();
        return tokens;

        void Flush()
        {
            if (sb.Length > 0) tokens.Add(sb.ToString());
            sb.Clear();
        }
    }

    private static string Fold(string token) => token.ToLowerInvariant();

    private static bool IsNumber(string t) => t.Any(char.IsDigit) && t.All(c => char.IsDigit(c) || c is '.' or ',' or '-' or '+');

    private static bool IsCapitalised(string t) => char.IsUpper(t[0]);

    // A name is a maximal run of capitalised tokens that are not function words, within one stretch of text
    // between punctuation marks ("Robot Toolkit - C++ Libraries" holds two names, "Debian Of Free Software" two).
    private static List<string[]> NameSpans(string text)
    {
        var spans = new List<string[]>();
        foreach (var stretch in Stretches(text))
        {
            var toks = Tokenize(stretch);
            var run = new List<string>();
            foreach (var t in toks.Append(""))
            {
                if (t.Length > 0 && IsCapitalised(t) && !IsFunctionWord(t)) { run.Add(t); continue; }
                if (run.Count > 0) spans.Add(run.ToArray());
                run.Clear();
            }
        }
        return spans;
    }

    private static IEnumerable<string> Stretches(string text)
    {
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool inner = c is '.' or ',' or '-' or '\'' && i > 0 && i + 1 < text.Length && char.IsLetterOrDigit(text[i - 1]) && char.IsLetterOrDigit(text[i + 1]);
            if (char.IsPunctuation(c) && !inner || char.IsSymbol(c) && c != '+')
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        yield return text[start..];
    }

    private static bool ContainsSpan(string[] haystack, string[] span)
    {
        for (int i = 0; i + span.Length <= haystack.Length; i++)
        {
            int k = 0;
            while (k < span.Length && haystack[i + k] == span[k]) k++;
            if (k == span.Length) return true;
        }
        return false;
    }

    // English function words (articles, pronouns, auxiliaries, prepositions, conjunctions): not content.
    private static readonly HashSet<string> FunctionWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "of", "in", "on", "at", "to", "for", "from", "by", "with",
        "without", "into", "onto", "over", "under", "about", "as", "than", "via", "per", "is", "are", "was", "were", "be",
        "been", "being", "am", "do", "does", "did", "has", "have", "had", "will", "would", "can", "could", "may", "might",
        "shall", "should", "must", "it", "its", "this", "that", "these", "those", "he", "she", "they", "them", "his", "her",
        "their", "we", "our", "you", "your", "i", "me", "my", "not", "no", "if", "then", "which", "who", "whom", "whose",
        "what", "when", "where", "how", "all", "any", "some", "such", "other", "also", "only", "very", "more", "most",
    };

    private static bool IsFunctionWord(string t) => FunctionWords.Contains(t);
}
