using System.Text;
using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Retelling;
using SharpTune.Tokenization;

namespace SharpTune.Tests.Retelling;

/// <summary>`extract` and `summarize` through the command line, on the shipped base.</summary>
[Collection("console")]
public class SummarizeCommandTests
{
    private static string BaseDir => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");

    private static string ManPageFile(string id)
    {
        foreach (var line in File.ReadLines(Path.Combine(Shared.Root, "data", "manpages", "dev.jsonl")))
        {
            var o = JsonDocument.Parse(line).RootElement;
            if (o.GetProperty("id").GetString() != id) continue;
            var path = Path.Combine(Shared.TempDir(), id + ".txt");
            File.WriteAllText(path, o.GetProperty("source").GetString());
            return path;
        }
        throw new InvalidOperationException(id);
    }

    [Fact]
    public void ExtractPrintsTheCleanedTranscriptOfALegacyEncodedFile()
    {
        var path = Path.Combine(Shared.TempDir(), "ru.srt");
        File.WriteAllBytes(path, TextDecoderTests.Bytes("windows-1251", TextDecoderTests.Russian));
        var (code, output, err) = CliRunner.Run("extract", path, "--timestamps");
        Assert.True(code == 0, err);
        Assert.Equal("[00:01] Добрый вечер, дорогие друзья. Сегодня мы расскажем о том, как строили первую железную дорогу в России. "
            + "Строительство началось весной, когда сошёл снег, и продолжалось почти два года без перерыва. "
            + "Рабочие жили в деревянных бараках у реки, а инженеры приезжали из столицы каждую неделю, чтобы проверить работу. "
            + "Когда первый поезд прошёл по мосту, весь город вышел на улицы. Люди плакали от радости и долго не расходились.\n", output);
    }

    [Fact]
    public void SummarizeALongPageMapsEachChunkThenReducesToOneLine()
    {
        var page = ManPageFile("git-merge-index.1");
        var (code, output, err) = CliRunner.Run("summarize", "--model", BaseDir, page, "--json", "--context", "256");
        Assert.True(code == 0, err);
        var json = JsonDocument.Parse(output).RootElement;
        var summary = json.GetProperty("summary").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(summary));
        Assert.DoesNotContain('\n', summary);
        var chunks = json.GetProperty("chunks").EnumerateArray().ToList();
        Assert.True(chunks.Count > 3, $"{chunks.Count} chunks");
        Assert.Equal(chunks.Count + 1, json.GetProperty("model_calls").GetInt32());
        Assert.Equal(1, json.GetProperty("reduce_levels").GetInt32());
        // The chunks hold the page's text (joiners aside).
        int chars = json.GetProperty("text_chars").GetInt32();
        Assert.InRange(chunks.Sum(c => c.GetProperty("text_chars").GetInt32()), chars * 0.97, chars * 1.03);
        foreach (var key in new[] { "read_s", "load_s", "map_s", "reduce_s", "total_s" })
            Assert.True(json.GetProperty("timings").GetProperty(key).GetDouble() >= 0);

        // One model call for the same chunks gives the same first chunk summary (greedy), batched or alone.
        using var trained = TrainedModel.Load(BaseDir, null);
        var tok = Tokenizer.Load(BaseDir);
        var alone = new ModelSummarizer(trained.Model, tok, SftDataOptions.DefaultPairTemplate, 256, 32, ["\n"], batchSize: 1);
        var doc = InputReader.ReadFile(page);
        var first = Chunker.Split(doc.Paragraphs.Select(p => p.Text).ToList(), alone.PromptTokens, alone.PromptBudget)[0];
        Assert.Equal(chunks[0].GetProperty("summary").GetString(), alone.Summarize([first.Text])[0]);

        // Text output: the same summary, one line.
        (code, output, err) = CliRunner.Run("summarize", "--model", BaseDir, page, "--context", "256");
        Assert.True(code == 0, err);
        Assert.Equal(summary + "\n", output);
    }

    /// <summary>"-" reads standard input as bytes, so its encoding is detected like a file's; a real process, real pipe.</summary>
    [Fact]
    public void ExtractReadsStandardInputAndSniffsItsKind()
    {
        var psi = new System.Diagnostics.ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll"));
        psi.ArgumentList.Add("extract");
        psi.ArgumentList.Add("-");
        using var process = System.Diagnostics.Process.Start(psi)!;
        var bytes = TextDecoderTests.Bytes("koi8-r", TextDecoderTests.Russian);
        process.StandardInput.BaseStream.Write(bytes);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var err = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.True(process.ExitCode == 0, err);
        Assert.StartsWith("Добрый вечер, дорогие друзья.", output);
        Assert.DoesNotContain("00:00", output);
    }

    [Fact]
    public void BadInputsAreOneLineErrorsNamingTheFileBeforeTheModelLoads()
    {
        var dir = Shared.TempDir();
        var empty = Path.Combine(dir, "empty.srt");
        File.WriteAllBytes(empty, []);
        var binary = Path.Combine(dir, "video.vtt");
        File.WriteAllBytes(binary, [0x1A, 0x45, 0xDF, 0xA3, 0x00, 0x00, 0x00, 0x1F, 0x42, 0x86]);
        var missing = Path.Combine(dir, "missing.html");
        var noCues = Path.Combine(dir, "notes.srt");
        File.WriteAllText(noCues, "just some words\nwith no timing lines\n");
        // A model folder that does not exist: the input is checked first, so its error is the one reported.
        var model = Path.Combine(dir, "no-model");
        foreach (var (input, expected) in new[]
        {
            (empty, $"{empty}: empty (0 bytes)"), (binary, $"{binary}: binary data (NUL bytes)"), (missing, $"{missing}: cannot read (no such file)"),
            (dir, $"{dir}: is a folder"), (noCues, $"{noCues}: no subtitle cues found"),
        })
        {
            foreach (var args in new[] { new[] { "summarize", "--model", model, input }, ["extract", input] })
            {
                var (code, output, err) = CliRunner.Run(args);
                Assert.Equal(2, code);
                Assert.Equal("", output);
                Assert.StartsWith("error: " + expected, err);
                Assert.Single(err.TrimEnd('\n').Split('\n'));
            }
        }
        var (c, _, e) = CliRunner.Run("summarize", "--model", BaseDir);
        Assert.Equal(2, c);
        Assert.Contains("INPUT", e);
        (c, _, e) = CliRunner.Run("summarize", "--model", BaseDir, noCues, "--max-new-tokens", "0");
        Assert.Equal(2, c);
        Assert.Contains("--max-new-tokens", e);
    }
}
