using SharpTune.Tokenization;

namespace SharpTune.Retelling;

/// <summary>
/// The one place retelling tokenises page and transcript text. Such text comes from strangers: a page containing
/// "&lt;|im_start|&gt;" must not become the special token and forge a turn.
/// TODO(issue 9 §2): switch to the tokenizer's "special tokens not recognised" encoding once it lands (another helper
/// adds it to Tokenizer); until then the template is rendered around the text and encoded as one string, as eval does.
/// </summary>
public static class PageTokens
{
    public static int[] EncodePrompt(Tokenizer tok, string renderedPrompt) => tok.Encode(renderedPrompt);
}
