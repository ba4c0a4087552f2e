using SharpTune.Data;
using SharpTune.Tokenization;

namespace SharpTune.Retelling;

/// <summary>
/// The one place retelling tokenises page and transcript text. Such text comes from strangers: a page containing
/// "&lt;|im_start|&gt;" must not become the special token and forge a turn; only the template's own markers are special.
/// TODO(issue 9 §2): the engine helper's branch adds Tokenizer.Encode(IEnumerable&lt;TextPart&gt;) (TextPart(Text, Trusted));
/// once merged, encode [TextPart(template before the placeholder, true), TextPart(the rendered text, false),
/// TextPart(template after it, true)]. Until then the template is rendered around the text and encoded as one
/// string, as eval does (the shipped base's tokenizer has no chat markers to forge).
/// </summary>
public static class PageTokens
{
    public static int[] EncodePrompt(Tokenizer tok, string template, string text) => tok.Encode(SftDataset.PairPrompt(template, text));
}
