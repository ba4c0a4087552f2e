using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.Models;
using SharpTune.Tokenization;
using static TorchSharp.torch;

namespace SharpTune.Tests;

public class CorpusPerplexityTests
{
    [Fact]
    public void ScoresEveryTokenAfterTheFirstOfEachNonOverlappingBlock()
    {
        var tok = Tokenizer.Load(TinyFixture.ModelDir);
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        var docs = JsonlReader.ReadPairs(Path.Combine(Shared.Root, "data", "debian-descriptions", "dev.jsonl"), limit: 12).Select(DebianStanza.Format).ToList();
        const int block = 100;
        var r = CorpusPerplexity.Compute(model, CorpusPerplexity.Source(docs, tok, block, model.Device, batchSize: 3));

        // Reference: the same stream scored one block at a time, token by token, from log-softmax.
        var stream = docs.SelectMany(d => tok.Encode(d, false).Append(tok.EosTokenId!.Value)).ToArray();
        double nll = 0;
        long scored = 0;
        using (no_grad())
            for (int start = 0; start < stream.Length; start += block)
            {
                var ids = stream.Skip(start).Take(block).Select(i => (long)i).ToArray();
                if (ids.Length < 2) continue;
                using var logp = model.Forward(tensor(ids).unsqueeze(0)).log_softmax(-1);
                for (int t = 0; t + 1 < ids.Length; t++) nll -= logp[0, t, ids[t + 1]].item<float>();
                scored += ids.Length - 1;
            }
        Assert.Equal(stream.Length, r.Tokens);
        Assert.Equal(scored, r.ScoredTokens);
        Assert.Equal(nll / scored, r.Loss, 1e-4);
        Assert.True(stream.Length % block >= 2, "the fixture should exercise a partial last block");
    }
}
