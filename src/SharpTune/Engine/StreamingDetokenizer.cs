using System.Text;

namespace SharpTune.Engine;

/// <summary>
/// Turns one row's generated tokens into text as they arrive, and checks stop strings on the way, without decoding
/// the whole output again at each step. Decoding works on a short window of tokens (vLLM's incremental
/// detokenisation): the text of window+new minus the text of the window is what the new token added, unless it
/// ends in U+FFFD — a byte-level token that stops mid-character — in which case it waits for the rest of the bytes.
/// Released text is held back further while its end could still be the start of a stop string, so what
/// <see cref="Push"/> returns is final: the concatenation of its returns and <see cref="Finish"/>'s is the decoded
/// output cut before the first stop string.
/// </summary>
public sealed class StreamingDetokenizer(Func<IReadOnlyList<int>, string> decode, IReadOnlyList<string>? stopStrings = null)
{
    private readonly List<int> _tokens = [];
    private readonly string[] _stops = (stopStrings ?? []).Where(s => s.Length > 0).ToArray();
    private readonly StringBuilder _text = new();
    private int _prefixOffset, _readOffset, _emitted;

    /// <summary>True once a stop string has appeared; the text then ends before it and further tokens are ignored.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The text released so far.</summary>
    public string Emitted => _text.ToString(0, _emitted);

    /// <summary>Adds a token; returns the text that became safe to show (often empty).</summary>
    public string Push(int token)
    {
        if (Stopped) return "";
        _tokens.Add(token);
        var prefix = Decode(_prefixOffset, _readOffset);
        var full = Decode(_prefixOffset, _tokens.Count);
        if (full.Length <= prefix.Length || full.EndsWith('\uFFFD')) return "";
        _prefixOffset = _readOffset;
        _readOffset = _tokens.Count;
        return Append(full[prefix.Length..], final: false);
    }

    /// <summary>The end of the output (EOS or the token limit): releases all held text, incomplete bytes as U+FFFD.</summary>
    public string Finish()
    {
        if (Stopped) return "";
        var prefix = Decode(_prefixOffset, _readOffset);
        var full = Decode(_prefixOffset, _tokens.Count);
        _prefixOffset = _readOffset = _tokens.Count;
        return Append(full.Length > prefix.Length ? full[prefix.Length..] : "", final: true);
    }

    private string Decode(int from, int to) => from == to ? "" : decode(_tokens.GetRange(from, to - from));

    private string Append(string added, bool final)
    {
        int before = _text.Length;
        _text.Append(added);
        // Only a stop string that ends in the new text can be new: search from where one could have started.
        int stopAt = -1;
        if (_stops.Length > 0 && added.Length > 0)
        {
            int from = Math.Max(0, before - _stops.Max(s => s.Length) + 1);
            var tail = _text.ToString(from, _text.Length - from);
            foreach (var s in _stops)
            {
                int i = tail.IndexOf(s, Math.Max(0, before - s.Length + 1 - from), StringComparison.Ordinal);
                if (i >= 0 && (stopAt < 0 || from + i < stopAt)) stopAt = from + i;
            }
        }
        int end;
        if (stopAt >= 0)
        {
            Stopped = true;
            end = stopAt;
            _text.Length = end;
        }
        else end = final ? _text.Length : _text.Length - HeldBack();
        // Never release half of a surrogate pair.
        if (end > _emitted && end < _text.Length && char.IsHighSurrogate(_text[end - 1])) end--;
        if (end <= _emitted) return "";
        var piece = _text.ToString(_emitted, end - _emitted);
        _emitted = end;
        return piece;
    }

    // The longest end of the text that is a proper start of some stop string: it may yet become one.
    private int HeldBack()
    {
        int held = 0;
        foreach (var s in _stops)
            for (int k = Math.Min(s.Length - 1, _text.Length - _emitted); k > held; k--)
                if (EndsWith(s, k)) { held = k; break; }
        return held;
    }

    private bool EndsWith(string stop, int k)
    {
        int offset = _text.Length - k;
        for (int j = 0; j < k; j++)
            if (_text[offset + j] != stop[j]) return false;
        return true;
    }
}
