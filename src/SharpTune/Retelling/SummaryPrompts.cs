using SharpTune.Tokenization;

namespace SharpTune.Retelling;

/// <summary>
/// What every map-reduce model shares: a chunk's prompt (the task's pair template around the text, page text
/// untrusted — <see cref="PageTokens"/>), remembered because the chunker measures the same candidate texts again
/// and again while packing (the last few hundred are kept; thread-safe, a server's chunks run concurrently), and the
/// one-line form of an answer.
/// </summary>
public sealed class SummaryPrompts(Tokenizer tok, string template)
{
    private readonly Dictionary<string, int[]> _cache = new();

    public int[] Encode(string text)
    {
        lock (_cache)
        {
            if (_cache.TryGetValue(text, out var ids)) return ids;
            if (_cache.Count > 256) _cache.Clear();
            return _cache[text] = PageTokens.EncodePrompt(tok, template, text);
        }
    }

    /// <summary>The summary as one line: runs of white space (newlines included) become one space.</summary>
    public static string OneLine(string text) => string.Join(" ", text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
