using System.Text;
using SharpTune.IO;
using UtfUnknown;

namespace SharpTune.Retelling;

/// <summary>
/// Decodes a subtitle, page or text file whatever its encoding: a BOM wins (UTF-8, UTF-16 LE/BE); otherwise bytes
/// that are valid UTF-8 are UTF-8 (legacy code pages almost never form valid multi-byte sequences by chance); otherwise
/// UTF.Unknown (Mozilla's/uchardet's statistical detector) names the legacy code page — a Russian file in Windows-1251
/// or KOI8-R, a Turkish one in Windows-1254 — and System.Text.Encoding.CodePages decodes it. Binary data is refused.
/// </summary>
public static class TextDecoder
{
    static TextDecoder() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>Share of control characters (other than tab, newline, carriage return, form feed) above which text is binary.</summary>
    private const double MaxControlShare = 0.05;

    /// <param name="declared">The charset the file declares (an HTML page's meta charset), used for bytes that are
    /// not UTF-8 before asking the detector.</param>
    public static DecodedText Decode(byte[] bytes, string name, string? declared = null)
    {
        if (bytes.Length == 0) throw new SharpTuneException($"{name}: empty (0 bytes), expected text, an HTML page or a .srt/.vtt transcript");
        DecodedText decoded;
        if (bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }))
            decoded = new(Strict(new UTF8Encoding(false, true), bytes, 3, name), "utf-8", "BOM");
        else if (bytes.AsSpan().StartsWith(new byte[] { 0xFF, 0xFE }))
            decoded = new(Strict(new UnicodeEncoding(false, false, true), bytes, 2, name), "utf-16le", "BOM");
        else if (bytes.AsSpan().StartsWith(new byte[] { 0xFE, 0xFF }))
            decoded = new(Strict(new UnicodeEncoding(true, false, true), bytes, 2, name), "utf-16be", "BOM");
        else
        {
            // Without a BOM, NUL bytes mean binary (or BOM-less UTF-16, which no subtitle tool writes).
            if (bytes.AsSpan().IndexOf((byte)0) >= 0) throw Binary(name, "NUL bytes");
            decoded = TryUtf8(bytes) is string utf8 ? new(utf8, "utf-8", "valid UTF-8")
                : Declared(declared) is Encoding d ? new(d.GetString(bytes), d.WebName, "declared")
                : Detect(bytes, name);
        }
        int control = 0;
        foreach (char c in decoded.Text)
            if ((c < 0x20 && c is not ('\t' or '\n' or '\r' or '\f')) || c == 0x7F) control++;
        if (decoded.Text.Length > 0 && control > MaxControlShare * decoded.Text.Length) throw Binary(name, $"{control} control characters");
        return decoded;
    }

    private static Encoding? Declared(string? charset)
    {
        if (charset is null) return null;
        try
        {
            var e = Encoding.GetEncoding(charset);
            // A page saved in another encoding than it declares UTF-8 (it failed UTF-8 already): the detector decides.
            return e is UTF8Encoding || e.WebName.StartsWith("utf-", StringComparison.Ordinal) ? null
                : e.WebName is "iso-8859-1" or "us-ascii" ? Encoding.GetEncoding(1252) // as browsers read these labels
                : e.WebName == "iso-8859-9" ? Encoding.GetEncoding(1254) : e;
        }
        catch (ArgumentException) { return null; }
    }

    private static string? TryUtf8(byte[] bytes)
    {
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { return null; }
    }

    private static DecodedText Detect(byte[] bytes, string name)
    {
        var best = CharsetDetector.DetectFromBytes(bytes).Detected;
        Encoding? encoding = null;
        try { encoding = best?.Encoding ?? (best?.EncodingName is string n ? Encoding.GetEncoding(n) : null); }
        catch (ArgumentException) { }
        if (encoding is null || encoding is UTF8Encoding)
            throw new SharpTuneException($"{name}: unreadable: not UTF-8 and no known encoding detected{(best?.EncodingName is string e ? $" ({e})" : "")}");
        // As browsers do (WHATWG), ISO-8859-1 and -9 are read as their Windows supersets: the bytes 0x80–0x9F are C1
        // controls in ISO but curly quotes, dashes, "…" and "€" in the Windows pages real files are written in.
        if (encoding.WebName is "iso-8859-1" or "iso-8859-9")
            encoding = Encoding.GetEncoding(encoding.WebName == "iso-8859-1" ? 1252 : 1254);
        return new(encoding.GetString(bytes), encoding.WebName, $"detected {best!.EncodingName} ({best.Confidence:F2})");
    }

    private static string Strict(Encoding encoding, byte[] bytes, int skip, string name)
    {
        try { return encoding.GetString(bytes, skip, bytes.Length - skip); }
        catch (DecoderFallbackException) { throw new SharpTuneException($"{name}: unreadable: invalid {encoding.WebName} after its byte-order mark"); }
    }

    private static SharpTuneException Binary(string name, string why) =>
        new($"{name}: binary data ({why}), expected text, an HTML page or a .srt/.vtt transcript");
}
