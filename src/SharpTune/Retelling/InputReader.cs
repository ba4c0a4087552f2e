using System.Text;
using System.Text.RegularExpressions;
using SharpTune.IO;

namespace SharpTune.Retelling;

/// <summary>
/// Reads one input for `extract`/`summarize`: a file or stdin ("-"), decoded whatever its encoding, then by kind
/// (extension, else sniffed) its main text: an HTML page's article, a transcript's de-duplicated spoken text, or
/// plain text. Empty, binary or unreadable input is one error naming it.
/// </summary>
public static class InputReader
{
    public const string StdinName = "-";

    public static ExtractedDocument ReadFile(string path)
    {
        byte[] bytes;
        if (Directory.Exists(path)) throw new SharpTuneException($"{path}: is a folder, expected a file (text, HTML page, .srt or .vtt)");
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SharpTuneException($"{path}: cannot read ({(e is FileNotFoundException or DirectoryNotFoundException ? "no such file" : e.Message.Split('\n')[0])})");
        }
        return Read(path, bytes);
    }

    public static ExtractedDocument Read(string name, byte[] bytes)
    {
        var decoded = TextDecoder.Decode(bytes, name, DeclaredCharset(name, bytes));
        var text = decoded.Text.TrimStart('\uFEFF');
        var kind = KindOf(name, text);
        IReadOnlyList<TextParagraph> paragraphs;
        switch (kind)
        {
            case InputKind.Html:
                var page = HtmlExtractor.Extract(text, name);
                var list = page.Paragraphs.ToList();
                // The title says what the page is about; readers see it first, so the model does too.
                if (page.Title is { Length: > 0 } title && (list.Count == 0 || !list[0].Contains(title, StringComparison.OrdinalIgnoreCase)))
                    list.Insert(0, title);
                paragraphs = list.Select(p => new TextParagraph(p)).ToList();
                break;
            case InputKind.Srt:
            case InputKind.Vtt:
                paragraphs = TranscriptBuilder.Paragraphs(SubtitleParser.Parse(text, kind, name));
                break;
            default:
                paragraphs = PlainText.Paragraphs(text).Select(p => new TextParagraph(p)).ToList();
                break;
        }
        if (paragraphs.All(p => p.Text.Trim().Length == 0))
            throw new SharpTuneException($"{name}: no text found ({Describe(kind)} with nothing to read)");
        return new ExtractedDocument(name, kind, decoded, paragraphs);
    }

    /// <summary>An HTML page's &lt;meta charset&gt; (or http-equiv content type) in its first 4 KiB, read as ASCII.</summary>
    public static string? DeclaredCharset(string name, byte[] bytes)
    {
        var head = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 4096));
        if (KindOf(name, head) != InputKind.Html) return null;
        var m = Regex.Match(head, @"<meta[^>]+charset\s*=\s*[""']?([A-Za-z0-9_.:-]+)", RegexOptions.IgnoreCase);
        return m.Success ? m.Groups[1].Value : null;
    }

    public static InputKind KindOf(string name, string text)
    {
        switch (Path.GetExtension(name).ToLowerInvariant())
        {
            case ".html": case ".htm": case ".xhtml": case ".shtml": return InputKind.Html;
            case ".srt": return InputKind.Srt;
            case ".vtt": return InputKind.Vtt;
            case ".txt": case ".text": case ".md": return InputKind.Text;
        }
        // stdin and unknown extensions: sniff the start.
        var head = text.Length > 2000 ? text[..2000] : text;
        var trimmed = head.TrimStart();
        if (trimmed.StartsWith("WEBVTT", StringComparison.Ordinal)) return InputKind.Vtt;
        var firstLines = trimmed.Replace("\r\n", "\n").Split('\n', 3);
        if (firstLines.Length >= 2 && int.TryParse(firstLines[0].Trim(), out _) && firstLines[1].Contains("-->")) return InputKind.Srt;
        if (trimmed.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
            || (trimmed.StartsWith('<') && head.Contains("<body", StringComparison.OrdinalIgnoreCase)))
            return InputKind.Html;
        return InputKind.Text;
    }

    private static string Describe(InputKind kind) => kind switch
    {
        InputKind.Html => "an HTML page",
        InputKind.Srt => "a SubRip transcript",
        InputKind.Vtt => "a WebVTT transcript",
        _ => "text",
    };
}
