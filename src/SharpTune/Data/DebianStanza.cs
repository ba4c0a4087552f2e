using System.Text;

namespace SharpTune.Data;

/// <summary>
/// Formats a package description as a Debian control stanza, the form in which descriptions appear across
/// the web: "Package:", "Description: synopsis", then the long description indented by one space, wrapped
/// at 72 columns, with " ." between paragraphs.
/// </summary>
public static class DebianStanza
{
    public static string Format(SummaryPair p)
    {
        var sb = new StringBuilder();
        sb.Append("Package: ").Append(p.Id).Append('\n');
        sb.Append("Description: ").Append(p.Summary).Append('\n');
        sb.Append(IndentedBody(p.Source));
        return sb.ToString();
    }

    /// <summary>The long-description body: " line" per wrapped line, " ." between paragraphs.</summary>
    public static string IndentedBody(string source)
    {
        var sb = new StringBuilder();
        var paragraphs = source.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int i = 0; i < paragraphs.Length; i++)
        {
            if (i > 0) sb.Append(" .\n");
            foreach (var line in Wrap(paragraphs[i], 72)) sb.Append(' ').Append(line).Append('\n');
        }
        return sb.ToString();
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) yield return line.ToString();
    }
}
