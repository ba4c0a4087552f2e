using System.Text;
using SharpTune.IO;
using SharpTune.Retelling;

namespace SharpTune.Tests.Retelling;

/// <summary>Subtitle files as people have them: legacy code pages, UTF-16 and UTF-8 with or without a BOM, each decodes to its text.</summary>
public class TextDecoderTests
{
    static TextDecoderTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    // A few realistic sentences per language: statistical detectors need more than a word or two.
    public const string Russian = """
        1
        00:00:01,000 --> 00:00:04,500
        Добрый вечер, дорогие друзья. Сегодня мы расскажем
        о том, как строили первую железную дорогу в России.

        2
        00:00:05,000 --> 00:00:09,000
        Строительство началось весной, когда сошёл снег,
        и продолжалось почти два года без перерыва.

        3
        00:00:09,500 --> 00:00:14,000
        Рабочие жили в деревянных бараках у реки, а инженеры
        приезжали из столицы каждую неделю, чтобы проверить работу.

        4
        00:00:14,500 --> 00:00:19,000
        Когда первый поезд прошёл по мосту, весь город вышел
        на улицы. Люди плакали от радости и долго не расходились.

        """;

    public const string Turkish = """
        1
        00:00:01,000 --> 00:00:04,000
        Günaydın arkadaşlar, bugün size küçük bir köyün
        hikâyesini anlatacağım. Köyün adı Çamlıdere'ydi.

        2
        00:00:04,500 --> 00:00:08,000
        Köylüler her sabah erkenden kalkıp tarlalara giderdi.
        Öğleden sonra ise çocuklar ağaçların gölgesinde oynardı.

        3
        00:00:08,500 --> 00:00:12,000
        Bir gün köye genç bir öğretmen geldi. İsmi Şükrü'ydü
        ve çok güzel şarkılar söylerdi. Herkes onu sevdi.

        4
        00:00:12,500 --> 00:00:16,000
        Öğretmen, köyün ilk okulunu açtı. Artık çocuklar
        “okumayı ve yazmayı” öğreniyordu… ışıklı günler başlamıştı.

        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "windows-1251", "ru", "windows-1251" },
        { "koi8-r", "ru", "koi8-r" },
        { "windows-1254", "tr", "windows-1254" },
        { "utf-16le-bom", "ru", "utf-16le" },
        { "utf-16be-bom", "tr", "utf-16be" },
        { "utf-8-bom", "tr", "utf-8" },
        { "utf-8", "ru", "utf-8" },
    };

    public static byte[] Bytes(string encoding, string text) => encoding switch
    {
        "utf-16le-bom" => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)],
        "utf-16be-bom" => [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes(text)],
        "utf-8-bom" => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)],
        _ => Encoding.GetEncoding(encoding).GetBytes(text),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachEncodingDecodesToTheOriginalText(string encoding, string language, string expected)
    {
        var text = language == "ru" ? Russian : Turkish;
        var bytes = Bytes(encoding, text);
        var decoded = TextDecoder.Decode(bytes, "sub.srt");
        Assert.Equal(text, decoded.Text);
        // The detector names Turkish ISO-8859-9; read as its superset Windows-1254, the quotes and "…" survive too.
        Assert.Equal(expected, decoded.Encoding);
    }

    [Fact]
    public void TheSameRussianBytesReadAsWindows1252AreGarbageSoTheDetectorMatters()
    {
        var bytes = Bytes("windows-1251", Russian);
        Assert.NotEqual(Russian, Encoding.GetEncoding(1252).GetString(bytes));
        Assert.NotEqual(Russian, Encoding.GetEncoding("koi8-r").GetString(bytes));
    }

    [Fact]
    public void ThroughTheReaderTheTranscriptKeepsItsLetters()
    {
        var doc = InputReader.Read("ru.srt", Bytes("koi8-r", Russian));
        Assert.Equal(InputKind.Srt, doc.Kind);
        Assert.StartsWith("Добрый вечер, дорогие друзья. Сегодня мы расскажем о том, как строили", doc.Render());
        Assert.DoesNotContain("-->", doc.Render());
    }

    [Theory]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00 }, "binary data (NUL bytes)")]
    [InlineData(new byte[] { 0x01, 0x02, 0x03, 0x41, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0E, 0x0F, 0x10 }, "binary data (11 control characters)")]
    public void EmptyOrBinaryInputIsOneErrorNamingTheFile(byte[] bytes, string expected)
    {
        var e = Assert.Throws<SharpTuneException>(() => InputReader.Read("clip.srt", bytes));
        Assert.StartsWith("clip.srt: " + expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>A short page the detector alone could misread: its meta charset says what it is.</summary>
    [Theory]
    [InlineData("windows-1251", "<meta charset=\"windows-1251\">", "Привет, мир!")]
    [InlineData("koi8-r", "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=KOI8-R\">", "Привет, мир!")]
    [InlineData("windows-1254", "<meta charset=iso-8859-9>", "Günaydın “dünya”…")]
    public void AnHtmlPageIsReadInTheCharsetItDeclares(string encoding, string meta, string text)
    {
        var bytes = Encoding.GetEncoding(encoding).GetBytes($"<html><head>{meta}<title>t</title></head><body><p>{text}</p></body></html>");
        var doc = InputReader.Read("hello.html", bytes);
        Assert.Equal("declared", doc.Decoded.How);
        Assert.Equal(encoding, doc.Decoded.Encoding);
        Assert.Contains(text, doc.Render());
    }

    [Fact]
    public void TextWithNothingToReadIsAnError()
    {
        var e = Assert.Throws<SharpTuneException>(() => InputReader.Read("page.html", Encoding.UTF8.GetBytes("<html><head><script>var x = 1;</script></head><body><nav>Home</nav></body></html>")));
        Assert.Equal("page.html: no text found (an HTML page with nothing to read)", e.Message);
        e = Assert.Throws<SharpTuneException>(() => InputReader.Read("notes.txt", Encoding.UTF8.GetBytes(" \n\n \t\n")));
        Assert.Equal("notes.txt: no text found (text with nothing to read)", e.Message);
    }
}
