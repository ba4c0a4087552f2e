using SharpTune.Generation;
using SharpTune.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// The hand-written decode matrix-vector product against torch's own linear (a different implementation: MKL's
/// GEMM) on awkward shapes and views, its gates (when it must step aside), and a whole model's greedy decode with
/// the kernel on and off.
/// </summary>
[Collection("console")] // toggles CpuGemv.Enabled, a process-wide switch
public sealed class CpuGemvTests
{
    [Theory]
    [InlineData(300, 577, true)]   // rows and columns off every vector width (577 = 18·32 + 8 + 9)
    [InlineData(1024, 192, false)] // the shipped base's width
    [InlineData(600, 71, true)]    // fewer columns than two unrolled steps
    public void Equals_torch_linear_for_any_split_of_rows(int outF, int inF, bool withBias)
    {
        using var scope = NewDisposeScope();
        var g = new Generator(7, CPU);
        var w = randn([outF, inF], generator: g);
        var b = withBias ? randn([outF], generator: g) : null;
        // The last position of a [1, 5, in] batch: a view at an offset into its storage, as the output head sees it.
        var x = randn([1, 5, inF], generator: g).narrow(1, 4, 1);
        var reference = nn.functional.linear(x, w, b);
        using var _ = no_grad();
        float[]? first = null;
        foreach (int parts in new[] { 1, 2, 3 })
        {
            var y = CpuGemv.TryLinear(x, w, b, GemvWorkers.For(parts));
            Assert.NotNull(y);
            Assert.Equal(reference.shape, y!.shape);
            var diff = (y - reference).abs().max().item<float>();
            Assert.True(diff < 1e-4f * Math.Sqrt(inF), $"parts {parts}: max |Δ| {diff}");
            var values = y.data<float>().ToArray();
            first ??= values;
            Assert.Equal(first, values); // each row is summed by one thread in one order, whatever the split
        }
    }

    [Fact]
    public void Steps_aside_wherever_it_does_not_apply()
    {
        using var scope = NewDisposeScope();
        var w = randn(256, 192);
        var x = randn(1, 192);
        var pool = GemvWorkers.For(2);
        Assert.Null(CpuGemv.TryLinear(x, w, null, pool)); // autograd on: training never sees the kernel
        using var _ = no_grad();
        Assert.NotNull(CpuGemv.TryLinear(x, w, null, pool));
        Assert.Null(CpuGemv.TryLinear(x, w, null)); // outside a decode scope (torch's threads would fight its helpers)
        int threads = get_num_threads();
        using (CpuGemv.Decoding())
        {
            Assert.Equal(1, get_num_threads());
            Assert.NotNull(CpuGemv.TryLinear(x, w, null));
        }
        Assert.Equal(threads, get_num_threads());
        Assert.Null(CpuGemv.TryLinear(randn(2, 192), w, null, pool));                      // two rows: a GEMM, torch's
        Assert.Null(CpuGemv.TryLinear(x, randn(192, 256).t(), null, pool));                // a transposed (non-contiguous) weight
        Assert.Null(CpuGemv.TryLinear(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), null, pool));
        Assert.Null(CpuGemv.TryLinear(randn(1, 16), randn(8, 16), null, pool));             // too small to matter
        Assert.Null(CpuGemv.TryLinear(randn(1, 191), w, null, pool));                      // shapes that do not fit: torch reports them
    }

    [Fact]
    public void A_whole_models_greedy_decode_is_the_same_with_the_kernel_on_and_off()
    {
        using var model = ModelIO.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));
        var tok = SharpTune.Tokenization.Tokenizer.Load(Path.Combine(Shared.RepoRoot, "models", "sharptune-base"));
        var prompt = tok.Encode("Description: GNU grep searches one or more input files for lines containing a match to a pattern.\nSummary:");
        var options = new GenerationOptions { MaxNewTokens = 24, EosTokenIds = [] };
        bool was = CpuGemv.Enabled;
        try
        {
            CpuGemv.Enabled = true;
            long calls = CpuGemv.Calls;
            var on = new TextGenerator(model).Generate([prompt], options)[0].Tokens;
            // Every decode step's projections and head went through the kernel (other tests can only add to the count).
            Assert.True(CpuGemv.Calls - calls >= 23 * (model.Config.NumLayers * 4 + 1), $"{CpuGemv.Calls - calls} kernel calls");
            float[] logitsOn;
            using (CpuGemv.Decoding())
            using (no_grad()) logitsOn = model.Forward(tensor(prompt.Select(i => (long)i).ToArray()).unsqueeze(0), lastOnly: true).data<float>().ToArray();
            CpuGemv.Enabled = false;
            var off = new TextGenerator(model).Generate([prompt], options)[0].Tokens;
            float[] logitsOff;
            using (no_grad()) logitsOff = model.Forward(tensor(prompt.Select(i => (long)i).ToArray()).unsqueeze(0), lastOnly: true).data<float>().ToArray();
            Assert.Equal(24, on.Length);
            Assert.Equal(off, on);
            Assert.True(logitsOn.Zip(logitsOff, (a, b) => Math.Abs(a - b)).Max() < 1e-4f);
        }
        finally { CpuGemv.Enabled = was; }
    }
}
