using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SharpTune.Tokenization;

/// <summary>
/// A regex that sees Unicode code points, as the Rust engine's regexes do. .NET's Regex works on UTF-16
/// units, so <c>\p{L}</c> cannot match a letter outside the BMP (e.g. 𝐇). We match on a shadow string in
/// which every astral code point is replaced by one BMP character of the same general category, then map
/// match positions back. Patterns only test categories and ASCII literals, so the matches are the same.
/// </summary>
public sealed class CodePointRegex
{
    private readonly Regex _regex;

    public CodePointRegex(string pattern)
    {
        _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }

    /// <summary>Match spans (start, length) in the original string's UTF-16 indices.</summary>
    public IEnumerable<(int Start, int Length)> Matches(string text)
    {
        if (!HasSurrogates(text))
        {
            foreach (Match m in _regex.Matches(text)) if (m.Length > 0) yield return (m.Index, m.Length);
            yield break;
        }
        var shadow = new StringBuilder(text.Length);
        var map = new List<int>(text.Length + 1); // shadow index → original index
        for (int i = 0; i < text.Length;)
        {
            map.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                shadow.Append(Representative(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i += 2;
            }
            else
            {
                shadow.Append(text[i]);
                i++;
            }
        }
        map.Add(text.Length);
        foreach (Match m in _regex.Matches(shadow.ToString()))
            if (m.Length > 0) yield return (map[m.Index], map[m.Index + m.Length] - map[m.Index]);
    }

    private static bool HasSurrogates(string s)
    {
        foreach (var c in s) if (char.IsSurrogate(c)) return true;
        return false;
    }

    // Non-ASCII stand-ins, one per category, so no ASCII literal in a pattern can match them.
    private static char Representative(UnicodeCategory c) => c switch
    {
        UnicodeCategory.UppercaseLetter => 'À',
        UnicodeCategory.LowercaseLetter => 'à',
        UnicodeCategory.TitlecaseLetter => 'ǅ',
        UnicodeCategory.ModifierLetter => 'ʰ',
        UnicodeCategory.OtherLetter => '一',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '٠',
        UnicodeCategory.LetterNumber => 'Ⅰ',
        UnicodeCategory.OtherNumber => '²',
        UnicodeCategory.MathSymbol => '±',
        UnicodeCategory.CurrencySymbol => '¢',
        UnicodeCategory.ModifierSymbol => '˂',
        UnicodeCategory.OtherSymbol => '©',
        UnicodeCategory.ConnectorPunctuation => '‿',
        UnicodeCategory.DashPunctuation => '‐',
        UnicodeCategory.OpenPunctuation => '⁅',
        UnicodeCategory.ClosePunctuation => '⁆',
        UnicodeCategory.InitialQuotePunctuation => '«',
        UnicodeCategory.FinalQuotePunctuation => '»',
        UnicodeCategory.OtherPunctuation => '¡',
        UnicodeCategory.Format => '\u200E',
        UnicodeCategory.PrivateUse => '\uE000',
        _ => '\uE001',
    };
}
