namespace SharpTune.Engine;

/// <summary>
/// Turns a growing decoded text into safe pieces: text that can no longer become part of a stop string and does not
/// end in half a multi-byte character. A stopgap for the serial engine: it re-decodes the whole output per token (as
/// TextGenerator's own stop check does); the batching engine's incremental detokenizer replaces it.
/// </summary>
public sealed class StopStringStream(IReadOnlyList<string> stops)
{
    private int _emitted;

    /// <summary>The part of <paramref name="text"/> (all output so far) that is safe to show and not yet shown.</summary>
    public string Next(string text)
    {
        int safe = text.Length;
        // Byte-level BPE can end a token inside a character: the decoder shows it as U+FFFD until the rest arrives.
        while (safe > 0 && text[safe - 1] == '\uFFFD') safe--;
        if (safe > 0 && char.IsHighSurrogate(text[safe - 1])) safe--;
        // A completed stop string (the token that ends generation) is cut, never shown.
        foreach (var stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < safe) safe = at;
        }
        safe -= HeldBack(text.AsSpan(0, safe));
        if (safe <= _emitted) return "";
        var piece = text[_emitted..safe];
        _emitted = safe;
        return piece;
    }

    /// <summary>What is still missing of the final text (already cut at its stop string).</summary>
    public string Finish(string final)
    {
        if (final.Length <= _emitted) return "";
        var piece = final[_emitted..];
        _emitted = final.Length;
        return piece;
    }

    // The longest tail of the text that is the start of some stop string: it may yet become one.
    private int HeldBack(ReadOnlySpan<char> text)
    {
        int hold = 0;
        foreach (var s in stops)
            for (int n = Math.Min(s.Length - 1, text.Length); n > hold; n--)
                if (text[^n..].SequenceEqual(s.AsSpan(0, n))) { hold = n; break; }
        return hold;
    }
}
