using System.Text.RegularExpressions;
using SharpTune.Data;
using SharpTune.Tokenization;

namespace SharpTune.Retelling;

/// <summary>
/// The one place retelling tokenises page and transcript text. Such text comes from strangers: a page containing
/// "&lt;|im_start|&gt;" or "&lt;|endoftext|&gt;" must not become the special token and forge a turn or end the prompt;
/// only the template's own markers are special. The template is split at its placeholders; the template pieces are
/// encoded trusted, the substituted text untrusted (HF's split_special_tokens), and neighbouring plain stretches are
/// joined, so text without special-token strings encodes exactly as the rendered prompt does in training and eval.
/// </summary>
public static partial class PageTokens
{
    public static int[] EncodePrompt(Tokenizer tok, string template, string text)
    {
        var parts = new List<TextPart>();
        int at = 0;
        foreach (Match m in Placeholder().Matches(template))
        {
            parts.Add(new TextPart(template[at..m.Index], Trusted: true));
            parts.Add(new TextPart(SftDataset.PairPrompt(m.Value, text), Trusted: false));
            at = m.Index + m.Length;
        }
        parts.Add(new TextPart(template[at..], Trusted: true));
        return tok.Encode(parts.Where(p => p.Text.Length > 0));
    }

    [GeneratedRegex(@"\{source_indented\}|\{source\}")]
    private static partial Regex Placeholder();
}
