namespace SharpTune.Tokenization;

/// <summary>
/// Splits raw text around added tokens (leftmost, then longest match), as the Rust engine does before
/// normalisation. lstrip/rstrip swallow the whitespace beside a match; single_word requires word edges.
/// </summary>
public sealed class AddedVocabulary
{
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;
    public IReadOnlyList<AddedToken> Tokens { get; }

    public AddedVocabulary(IEnumerable<AddedToken> tokens)
    {
        Tokens = tokens.ToList();
        _byFirstChar = Tokens.Where(t => t.Content.Length > 0).GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>Segments in order: plain text (Token null) or a matched added token.</summary>
    /// <param name="matchSpecial">False leaves tokens marked special as ordinary text (HF's split_special_tokens):
    /// text from users or pages must not produce control tokens. Non-special added tokens still match, as in HF.</param>
    public List<(string Text, AddedToken? Token)> Split(string text, bool matchSpecial = true)
    {
        var result = new List<(string, AddedToken?)>();
        int segStart = 0, i = 0;
        while (i < text.Length)
        {
            var match = _byFirstChar.Count == 0 ? null : MatchAt(text, i, matchSpecial);
            if (match is null) { i++; continue; }
            int start = i, end = i + match.Content.Length;
            if (match.LStrip) while (start > segStart && char.IsWhiteSpace(text[start - 1])) start--;
            if (match.RStrip) while (end < text.Length && char.IsWhiteSpace(text[end])) end++;
            if (start > segStart) result.Add((text[segStart..start], null));
            result.Add((match.Content, match));
            segStart = i = end;
        }
        if (segStart < text.Length) result.Add((text[segStart..], null));
        return result;
    }

    private AddedToken? MatchAt(string text, int i, bool matchSpecial)
    {
        if (!_byFirstChar.TryGetValue(text[i], out var candidates)) return null;
        foreach (var t in candidates)
        {
            if (t.Special && !matchSpecial) continue;
            if (string.CompareOrdinal(text, i, t.Content, 0, t.Content.Length) != 0) continue;
            if (t.SingleWord)
            {
                int end = i + t.Content.Length;
                bool leftOk = i == 0 || !char.IsLetterOrDigit(text[i - 1]);
                bool rightOk = end == text.Length || !char.IsLetterOrDigit(text[end]);
                if (!leftOk || !rightOk) continue;
            }
            return t;
        }
        return null;
    }
}
