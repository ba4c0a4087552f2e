using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests;

public class GenerationTests
{
    public static TheoryData<string> Models => new() { "llama-tiny", "qwen2-tiny", "gpt2-tiny" };

    private static int[] Ints(Tensor t) => t.data<long>().Select(v => (int)v).ToArray();

    [Theory, MemberData(nameof(Models))]
    public void GreedyMatchesTransformersWithAndWithoutCache(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden(name));
        var golden = SafeTensorsFile.Open(Shared.Golden(name, "golden.safetensors"));
        var expected = Ints(golden.Load("greedy_ids").flatten());
        var prompt = expected[..8];
        foreach (bool useCache in new[] { true, false })
        {
            var result = new TextGenerator(model).Generate([prompt],
                new GenerationOptions { MaxNewTokens = 12, EosTokenIds = [], UseCache = useCache })[0];
            Assert.Equal(expected[8..], result.Tokens);
            Assert.Equal("length", result.FinishReason);
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void CachedStepLogitsMatchTransformersScores(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden(name));
        var golden = SafeTensorsFile.Open(Shared.Golden(name, "golden.safetensors"));
        var ids = golden.Load("greedy_ids");
        var scores = golden.Load("greedy_scores");
        using var cache = model.NewCache();
        using var _ = no_grad();
        for (int step = 0; step < 12; step++)
        {
            var input = step == 0 ? ids.narrow(1, 0, 8) : ids.narrow(1, 7 + step, 1);
            var mask = ones(1, 8 + step, dtype: ScalarType.Int64);
            var logits = model.Logits(input, mask, cache).select(1, -1).squeeze(0);
            double diff = (logits - scores[step]).abs().max().item<float>();
            Assert.True(diff < 1e-4, $"{name} step {step}: max |Δ| = {diff}");
        }
    }

    [Theory, MemberData(nameof(Models))]
    public void BatchedPromptsOfDifferentLengthsMatchOneByOne(string name)
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden(name));
        int[][] prompts = [[37, 235, 396, 72, 255, 393, 203, 133], [5, 99], [400, 12, 7, 301, 18], [77]];
        var options = new GenerationOptions { MaxNewTokens = 10, EosTokenIds = [] };
        var gen = new TextGenerator(model);
        var batched = gen.Generate(prompts, options);
        for (int i = 0; i < prompts.Length; i++)
            Assert.Equal(gen.Generate([prompts[i]], options)[0].Tokens, batched[i].Tokens);
        // Uncached, batched: the same again.
        var uncached = gen.Generate(prompts, options with { UseCache = false });
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(batched[i].Tokens, uncached[i].Tokens);
    }

    [Fact]
    public void SamplingIsSeededAndTopKOneIsGreedy()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden("llama-tiny"));
        var gen = new TextGenerator(model);
        int[] prompt = [37, 235, 396, 72];
        var sample = new GenerationOptions { MaxNewTokens = 16, EosTokenIds = [], DoSample = true, Temperature = 1.5, Seed = 7 };
        var a = gen.Generate([prompt], sample)[0].Tokens;
        var b = gen.Generate([prompt], sample)[0].Tokens;
        var c = gen.Generate([prompt], sample with { Seed = 8 })[0].Tokens;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        var greedy = gen.Generate([prompt], new GenerationOptions { MaxNewTokens = 16, EosTokenIds = [] })[0].Tokens;
        Assert.Equal(greedy, gen.Generate([prompt], sample with { TopK = 1 })[0].Tokens);
        Assert.Equal(greedy, gen.Generate([prompt], sample with { TopP = 1e-6 })[0].Tokens);
    }

    [Fact]
    public void EosEndsARowAndStreamingSeesEveryToken()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden("llama-tiny"));
        var gen = new TextGenerator(model);
        int[] prompt = [37, 235, 396, 72, 255, 393, 203, 133];
        var free = gen.Generate([prompt], new GenerationOptions { MaxNewTokens = 12, EosTokenIds = [] })[0].Tokens;
        int eos = free[4];
        int firstAt = Array.IndexOf(free, eos);
        var streamed = new List<int>();
        var stopped = gen.Generate([prompt], new GenerationOptions { MaxNewTokens = 12, EosTokenIds = [eos] }, (row, tok) => streamed.Add(tok))[0];
        Assert.Equal("eos", stopped.FinishReason);
        Assert.Equal(free[..(firstAt + 1)], stopped.Tokens);
        Assert.Equal(stopped.Tokens, streamed);
    }

    [Fact]
    public void StopStringsCutTheText()
    {
        using var scope = NewDisposeScope();
        using var model = ModelIO.Load(Shared.Golden("llama-tiny"));
        // A toy decoder: each id becomes "<id>", so the stop string is a known token's rendering.
        static string Decode(IReadOnlyList<int> ids) => string.Concat(ids.Select(i => $"<{i}>"));
        var gen = new TextGenerator(model, Decode);
        int[] prompt = [37, 235, 396, 72, 255, 393, 203, 133];
        var free = gen.Generate([prompt], new GenerationOptions { MaxNewTokens = 12, EosTokenIds = [] })[0];
        string stop = $"<{free.Tokens[3]}>";
        var r = gen.Generate([prompt], new GenerationOptions { MaxNewTokens = 12, EosTokenIds = [], StopStrings = [stop] })[0];
        Assert.Equal("stop", r.FinishReason);
        int firstAt = Array.IndexOf(free.Tokens, free.Tokens[3]);
        Assert.Equal(firstAt + 1, r.Tokens.Length);
        Assert.Equal(Decode(free.Tokens[..firstAt]), r.Text);
    }

    [Fact]
    public void LogitsProcessorsFollowHuggingFaceDefinitions()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[,] { { 2f, -1f, 0.5f, 1f } });
        // Penalty 2 on tokens 0 and 1: 2 → 1, −1 → −2.
        var pen = LogitsProcessing.RepetitionPenalty(logits, tensor(new long[,] { { 0, 1, 0 } }), 2.0);
        Assert.Equal(new[] { 1f, -2f, 0.5f, 1f }, pen.data<float>().ToArray());
        var topk = LogitsProcessing.TopK(logits, 2).data<float>().ToArray();
        Assert.Equal(new[] { 2f, float.NegativeInfinity, float.NegativeInfinity, 1f }, topk);
        // Probabilities of [2, -1, .5, 1]: .574, .029, .128, .211 (cum ascending .029, .157, .368, 1).
        // top-p 0.7 removes tokens whose ascending cumulative mass ≤ 0.3: tokens 1 and 2.
        var topp = LogitsProcessing.TopP(logits, 0.7).data<float>().ToArray();
        Assert.Equal(new[] { 2f, float.NegativeInfinity, float.NegativeInfinity, 1f }, topp);
    }
}
