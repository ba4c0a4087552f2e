using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>
/// The <c>pre_tokenizer</c> step: splits normalised text into words that BPE encodes independently.
/// Each step maps a list of pieces to a new list; a Sequence applies steps in order.
/// </summary>
public abstract class PreTokenizer
{
    /// <param name="atStart">The piece begins the whole input (not after an added token): Metaspace's "first" scheme.</param>
    public abstract IEnumerable<string> Split(string piece, bool atStart);

    public List<string> PreTokenize(string text, bool atStart) => Split(text, atStart).Where(p => p.Length > 0).ToList();

    // GPT-2's built-in split, used by ByteLevel when use_regex is true.
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static PreTokenizer? FromJson(JsonFields parent, string key) => parent.SubObj(key) is JsonFields o ? FromFields(o) : null;

    private static PreTokenizer FromFields(JsonFields o)
    {
        string type = o.ReqStr("type");
        return type switch
        {
            "Sequence" => new SequencePreTokenizer(o.Objects("pretokenizers").Select(FromFields).ToArray()),
            "Split" => new SplitPreTokenizer(Pattern.FromJson(o, "pattern"), ParseBehavior(o), o.Bool("invert") ?? false),
            "ByteLevel" => new ByteLevelPreTokenizer(o.Bool("add_prefix_space") ?? true, o.Bool("use_regex") ?? true),
            "Digits" => new SplitPreTokenizer(Pattern.Regex((o.Bool("individual_digits") ?? false) ? @"\p{N}" : @"\p{N}+"), SplitBehavior.Isolated, false),
            "Whitespace" => new SplitPreTokenizer(Pattern.Regex(@"\w+|[^\w\s]+"), SplitBehavior.Removed, true),
            "WhitespaceSplit" => new SplitPreTokenizer(Pattern.Regex(@"\s+"), SplitBehavior.Removed, false),
            "Punctuation" => new SplitPreTokenizer(Pattern.Regex(@"\p{P}"), ParseBehavior(o), false),
            "Metaspace" => new MetaspacePreTokenizer(Replacement(o),
                o.Str("prepend_scheme") is string scheme
                    ? scheme is "always" or "first" or "never" ? scheme : throw o.Error("prepend_scheme", "\"always\", \"first\" or \"never\"")
                    : (o.Bool("add_prefix_space") ?? true) ? "always" : "never",
                o.Bool("split") ?? true),
            _ => throw new SharpTuneException($"{o.File}: {o.Name("type")} '{JsonInput.Clip(type)}' is not a supported pre_tokenizer"),
        };
    }

    // Metaspace's replacement is one character (Rust stores a char); an empty one would never advance a split.
    internal static string Replacement(JsonFields o)
    {
        var r = o.Str("replacement") ?? "▁";
        return r.Length == 1 || (r.Length == 2 && char.IsSurrogatePair(r, 0)) ? r : throw o.Error("replacement", "one character");
    }

    public enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

    private static SplitBehavior ParseBehavior(JsonFields o) => o.Str("behavior") is not string s ? SplitBehavior.Isolated
        : Enum.TryParse<SplitBehavior>(s, out var b) && Enum.IsDefined(b) && !char.IsDigit(s[0]) ? b
        : throw o.Error("behavior", "Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous");

    private sealed class SequencePreTokenizer(PreTokenizer[] steps) : PreTokenizer
    {
        public override IEnumerable<string> Split(string piece, bool atStart)
        {
            IEnumerable<string> pieces = [piece];
            foreach (var s in steps) pieces = pieces.SelectMany((p, i) => s.Split(p, atStart && i == 0)).Where(p => p.Length > 0).ToList();
            return pieces;
        }
    }

    /// <summary>HF's Split: pattern matches and the gaps between them, combined per <paramref name="behavior"/>.</summary>
    public sealed class SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, bool invert) : PreTokenizer
    {
        public override IEnumerable<string> Split(string piece, bool atStart)
        {
            // Alternating spans, each marked as a match or not.
            var spans = new List<(string Text, bool IsMatch)>();
            int pos = 0;
            foreach (var (start, length) in pattern.Matches(piece))
            {
                if (start > pos) spans.Add((piece[pos..start], invert));
                spans.Add((piece.Substring(start, length), !invert));
                pos = start + length;
            }
            if (pos < piece.Length) spans.Add((piece[pos..], invert));
            switch (behavior)
            {
                case SplitBehavior.Isolated:
                    return spans.Select(s => s.Text);
                case SplitBehavior.Removed:
                    return spans.Where(s => !s.IsMatch).Select(s => s.Text);
                case SplitBehavior.MergedWithPrevious:
                {
                    var result = new List<string>();
                    foreach (var (text, isMatch) in spans)
                        if (isMatch && result.Count > 0) result[^1] += text; else result.Add(text);
                    return result;
                }
                case SplitBehavior.MergedWithNext:
                {
                    var result = new List<string>();
                    string carry = "";
                    foreach (var (text, isMatch) in spans)
                        if (isMatch) carry += text; else { result.Add(carry + text); carry = ""; }
                    if (carry.Length > 0) result.Add(carry);
                    return result;
                }
                default: // Contiguous
                {
                    var result = new List<(string Text, bool IsMatch)>();
                    foreach (var s in spans)
                        if (s.IsMatch && result.Count > 0 && result[^1].IsMatch) result[^1] = (result[^1].Text + s.Text, true); else result.Add(s);
                    return result.Select(s => s.Text);
                }
            }
        }
    }

    private sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : PreTokenizer
    {
        private static readonly SplitPreTokenizer Gpt2 = new(Pattern.Regex(Gpt2Pattern), SplitBehavior.Isolated, false);

        public override IEnumerable<string> Split(string piece, bool atStart)
        {
            if (addPrefixSpace && !piece.StartsWith(' ')) piece = " " + piece;
            var words = useRegex ? Gpt2.Split(piece, atStart) : [piece];
            return words.Select(ByteLevelAlphabet.Encode);
        }
    }

    private sealed class MetaspacePreTokenizer(string replacement, string prependScheme, bool split) : PreTokenizer
    {
        public override IEnumerable<string> Split(string piece, bool atStart)
        {
            var text = piece.Replace(" ", replacement);
            bool prepend = prependScheme == "always" || (prependScheme == "first" && atStart);
            if (prepend && !text.StartsWith(replacement)) text = replacement + text;
            if (!split) return [text];
            // Split before each replacement character, keeping it with the word that follows.
            var words = new List<string>();
            int start = 0;
            for (int i = text.IndexOf(replacement, 1, StringComparison.Ordinal); i > 0; i = text.IndexOf(replacement, i + 1, StringComparison.Ordinal))
            {
                words.Add(text[start..i]);
                start = i;
            }
            words.Add(text[start..]);
            return words;
        }
    }
}
