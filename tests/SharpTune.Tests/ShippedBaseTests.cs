using System.Globalization;
using System.Text.RegularExpressions;
using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.Models;
using SharpTune.Recipes;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

/// <summary>
/// The committed base (models/sharptune-base) is what the demo and experiments use by default: its model card's
/// figures must be the ones its weights give, and it must fit the 30 MB the repository allows.
/// </summary>
public class ShippedBaseTests
{
    private static string Dir => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");
    private static string Card => File.ReadAllText(Path.Combine(Dir, "README.md"));

    private static double CardNumber(string pattern) =>
        double.Parse(Regex.Match(Card, pattern).Groups[1].Value.Replace(",", ""), CultureInfo.InvariantCulture);

    [Fact]
    public void FitsTheSizeLimitAndHasTheParametersItsCardStates()
    {
        long bytes = Directory.GetFiles(Dir).Sum(f => new FileInfo(f).Length);
        Assert.InRange(bytes, 1_000_000, 30_000_000);
        using var model = ModelIO.Load(Dir);
        Assert.Equal(Architecture.Llama, model.Config.Architecture);
        Assert.Equal((long)CardNumber(@"\| parameters \| ([\d,]+)"), model.ParameterCount());
        Assert.Equal(RepoPaths.BaseModel, Dir, ignoreCase: false);
    }

    [Fact]
    public void DevPerplexityIsTheOneItsCardStates()
    {
        var tok = Tokenizer.Load(Dir);
        var dev = JsonlReader.ReadPairs(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl")).Select(DebianStanza.Format).ToList();
        using var model = ModelIO.Load(Dir);
        var r = CorpusPerplexity.Compute(model, CorpusPerplexity.Source(dev, tok, 512, model.Device));
        Assert.Equal((long)CardNumber(@"over all ([\d,]+) tokens of the dev split"), r.Tokens);
        Assert.Equal(CardNumber(@"\*\*dev perplexity\*\* \| \*\*([\d.]+)\*\*"), r.Perplexity, 0.006);
    }

    [Fact]
    public void TokenizerRoundTripsHeldOutStanzasAndHasTheCardsSpecialTokens()
    {
        var tok = Tokenizer.Load(Dir);
        foreach (var text in JsonlReader.ReadPairs(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl"), limit: 200).Select(DebianStanza.Format))
            Assert.Equal(text, tok.Decode(tok.Encode(text, false), skipSpecialTokens: false));
        Assert.Equal(0, tok.EosTokenId);
        Assert.Equal(3, tok.PadTokenId);
        Assert.Equal(1, tok.TokenToId("<|im_start|>"));
        Assert.Equal(2, tok.TokenToId("<|im_end|>"));
    }
}
