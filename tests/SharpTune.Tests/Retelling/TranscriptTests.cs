using System.Text;
using System.Text.RegularExpressions;
using SharpTune.Retelling;

namespace SharpTune.Tests.Retelling;

/// <summary>.srt and .vtt to spoken text: timing and markup gone, speakers kept, rolling captions said once.</summary>
public class TranscriptTests
{
    private static ExtractedDocument Read(string name, string text) => InputReader.Read(name, Encoding.UTF8.GetBytes(text));

    [Fact]
    public void SrtLosesNumbersTimesAndTagsButKeepsSpeakerLabels()
    {
        const string srt = "1\r\n00:00:01,000 --> 00:00:03,200\r\n{\\an8}<i>ALICE: Where were you</i>\r\nlast night?\r\n\r\n"
            + "2\r\n00:00:03,500 --> 00:00:05,000\r\n<font color=\"#ffff00\">BOB: At the <b>library</b>, &amp; then home.</font>\r\n\r\n";
        var doc = Read("a.srt", srt);
        Assert.Equal(["ALICE: Where were you last night?", "BOB: At the library, & then home."], doc.Paragraphs.Select(p => p.Text));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3.5)], doc.Paragraphs.Select(p => p.Start!.Value));
    }

    [Fact]
    public void VttVoicesBecomeLabelsAndClassesNotesAndKaraokeTimesGo()
    {
        const string vtt = "WEBVTT - a talk\nKind: captions\n\nNOTE written by hand\nspanning two lines\n\nSTYLE\n::cue { color: white }\n\n"
            + "intro\n00:01.000 --> 00:04.000 align:start position:10%\n<v Alice>We start <c.yellow>now</c>.</v>\n\n"
            + "00:00:04.500 --> 00:00:07.000\n<v.loud Bob Smith>Thanks<00:00:05.200> for coming.\n";
        var doc = Read("talk.vtt", vtt);
        Assert.Equal(InputKind.Vtt, doc.Kind);
        Assert.Equal("Alice: We start now.\n\nBob Smith: Thanks for coming.", doc.Render());
    }

    /// <summary>YouTube's auto-captions: every cue shows the previous line again above the new one, with 10 ms "flip" cues.</summary>
    [Fact]
    public void RollingCaptionLinesAreSaidOnce()
    {
        var words = ("so today we are going to look at how bread is made in a small village bakery "
            + "the baker gets up at four in the morning and lights the oven before anyone else is awake").Split(' ');
        var lines = words.Chunk(6).Select(c => string.Join(" ", c)).ToList();
        var vtt = new StringBuilder("WEBVTT\nKind: captions\nLanguage: en\n\n");
        double t = 0;
        string Ts(double s) => TimeSpan.FromSeconds(s).ToString(@"hh\:mm\:ss\.fff");
        for (int i = 0; i < lines.Count; i++)
        {
            // The cue that types the new line word by word under the previous one, then the 10 ms cue that holds both.
            var previous = i > 0 ? lines[i - 1] + "\n" : "";
            var typed = string.Join("", lines[i].Split(' ').Select((w, k) => k == 0 ? w : $"<{Ts(t + 0.3 * k)}><c> {w}</c>"));
            vtt.Append($"{Ts(t)} --> {Ts(t + 2)} align:start position:0%\n{previous}{typed}\n\n");
            vtt.Append($"{Ts(t + 2)} --> {Ts(t + 2.01)} align:start position:0%\n{previous}{lines[i]}\n\n");
            t += 2.01;
        }
        var doc = Read("auto.en.vtt", vtt.ToString());
        Assert.Equal(string.Join(" ", words), doc.Render());
        Assert.Equal(lines, TranscriptBuilder.Deduplicate(SubtitleParser.Parse(vtt.ToString(), InputKind.Vtt, "auto.en.vtt")));
    }

    [Fact]
    public void AGrowingLineReplacesItsShorterCopy()
    {
        var srt = "1\n00:00:01,000 --> 00:00:02,000\nwe are\n\n2\n00:00:02,000 --> 00:00:03,000\nwe are going to\n\n3\n00:00:03,000 --> 00:00:04,000\nwe are going to win.\n";
        Assert.Equal("we are going to win.", Read("x.srt", srt).Render());
    }

    [Fact]
    public void TimestampsAreCoarse()
    {
        // Five minutes of one speaker, a cue every 3 s, sentences ending every other cue.
        var srt = new StringBuilder();
        for (int i = 0; i < 100; i++)
        {
            var s = TimeSpan.FromSeconds(3 * i);
            srt.Append($"{i + 1}\n{s:hh\\:mm\\:ss},000 --> {s + TimeSpan.FromSeconds(2.9):hh\\:mm\\:ss},900\n");
            srt.Append(i % 2 == 0 ? $"Part {i} of the story goes on\n\n" : "and it ends here.\n\n");
        }
        var doc = Read("long.srt", srt.ToString());
        var rendered = doc.Render(timestamps: true);
        var stamps = Regex.Matches(rendered, @"^\[(\d\d):(\d\d)\] ", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value) * 60 + int.Parse(m.Groups[2].Value)).ToList();
        Assert.Equal(doc.Paragraphs.Count, stamps.Count);
        Assert.Equal(0, stamps[0]);
        for (int i = 1; i < stamps.Count; i++) Assert.InRange(stamps[i] - stamps[i - 1], 30, 60);
        Assert.All(stamps, s => Assert.Equal(0, s % 3)); // each stamp is a cue's start
        // Without --timestamps the same words, no times.
        Assert.Equal(Regex.Replace(rendered, @"^\[\d\d:\d\d\] ", "", RegexOptions.Multiline), doc.Render());
    }

    [Fact]
    public void StdinIsSniffed()
    {
        Assert.Equal(InputKind.Srt, InputReader.KindOf("-", "\n1\n00:00:01,000 --> 00:00:02,000\nHi\n"));
        Assert.Equal(InputKind.Vtt, InputReader.KindOf("-", "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n"));
        Assert.Equal(InputKind.Html, InputReader.KindOf("-", "<!DOCTYPE html><html><body><p>Hi</p></body></html>"));
        Assert.Equal(InputKind.Text, InputReader.KindOf("-", "Just words.\n1\n"));
    }
}
