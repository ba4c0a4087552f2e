using System.Text;
using System.Text.RegularExpressions;
using SharpTune.IO;

namespace SharpTune.Retelling;

/// <summary>
/// Splits paragraphs into chunks whose measured size (tokens of the whole prompt, template included) stays within a
/// budget, cutting at the largest boundary that lets a piece fit: between paragraphs, else between sentences, else
/// between lines, else between words, else between characters (never inside a surrogate pair). Consecutive pieces are
/// packed greedily, in order, so the chunks together hold every piece of the text once.
/// </summary>
public static partial class Chunker
{
    private enum Level { Paragraph, Sentence, Line, Word, Character }

    private sealed record Piece(string Text, int Paragraph, string Before);

    /// <param name="measure">Size of a chunk's text as the model sees it (prompt tokens), monotone in the text.</param>
    public static IReadOnlyList<Chunk> Split(IReadOnlyList<string> paragraphs, Func<string, int> measure, int budget)
    {
        if (measure("") > budget) throw new SharpTuneException($"the prompt template alone ({measure("")} tokens) does not fit the budget of {budget} tokens");
        var pieces = new List<Piece>();
        for (int p = 0; p < paragraphs.Count; p++)
            if (paragraphs[p].Trim().Length > 0) Pieces(paragraphs[p].Trim(), p, Level.Paragraph, "\n\n", measure, budget, pieces);

        var chunks = new List<Chunk>();
        var text = new StringBuilder();
        int first = -1;
        foreach (var piece in pieces)
        {
            if (text.Length > 0)
            {
                var joined = text + piece.Before + piece.Text;
                if (measure(joined) <= budget) { text.Clear().Append(joined); continue; }
                chunks.Add(new Chunk(text.ToString(), first));
                text.Clear();
            }
            text.Append(piece.Text);
            first = piece.Paragraph;
        }
        if (text.Length > 0) chunks.Add(new Chunk(text.ToString(), first));
        return chunks;
    }

    /// <summary>What joins the pieces a level splits into (a blank line between paragraphs, a line break between lines …).</summary>
    private static string Joiner(Level level) => level switch { Level.Paragraph => "\n\n", Level.Line => "\n", Level.Character => "", _ => " " };

    /// <param name="before">What stood before this text: the first piece of a split keeps it, the others get their level's joiner.</param>
    private static void Pieces(string text, int paragraph, Level level, string before, Func<string, int> measure, int budget, List<Piece> into)
    {
        if (level == Level.Character || measure(text) <= budget) { into.Add(new Piece(text, paragraph, before)); return; }
        var next = (Level)((int)level + 1);
        IEnumerable<string> parts = next switch
        {
            Level.Sentence => Sentences(text),
            Level.Line => text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0),
            Level.Word => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries),
            _ => Characters(text, measure, budget),
        };
        var list = parts.ToList();
        // A level that does not split (one sentence, one line) goes straight to the next one.
        if (list.Count == 1 && next != Level.Character) { Pieces(text, paragraph, next, before, measure, budget, into); return; }
        for (int i = 0; i < list.Count; i++) Pieces(list[i], paragraph, next, i == 0 ? before : Joiner(next), measure, budget, into);
    }

    /// <summary>Sentences end at . ! ? … (with closing quotes or brackets) followed by space; the space stays between.</summary>
    public static IEnumerable<string> Sentences(string text) => SentenceBreak().Split(text).Select(s => s.Trim()).Where(s => s.Length > 0);

    /// <summary>The longest prefixes that fit, for a "word" longer than the whole budget (a URL, a base64 blob).</summary>
    private static IEnumerable<string> Characters(string text, Func<string, int> measure, int budget)
    {
        int at = 0;
        while (at < text.Length)
        {
            int lo = 1, hi = text.Length - at;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) / 2;
                if (measure(text.Substring(at, mid)) <= budget) lo = mid; else hi = mid - 1;
            }
            if (lo < text.Length - at && char.IsHighSurrogate(text[at + lo - 1])) lo = Math.Max(1, lo - 1);
            yield return text.Substring(at, lo);
            at += lo;
        }
    }

    [GeneratedRegex(@"(?<=[.!?…。！？][""'”’»)\]]*)\s+")] private static partial Regex SentenceBreak();
}
