using SharpTune.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>The chunked loss against autograd through the whole logits (<see cref="CausalLmLoss"/>): value and gradients.</summary>
public class ChunkedCrossEntropyTests
{
    [Theory]
    [InlineData(true, 3)]     // weight trains (full fine-tuning of a tied head); 3 rows per chunk, not dividing 2·(9−1)
    [InlineData(false, 5)]    // frozen head (LoRA)
    [InlineData(false, 1000)] // one chunk
    public void SameLossAndGradientsAsTheWholeLogits(bool headTrains, int rowsPerChunk)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(7);
        const int v = 37, h = 8;
        var hidden0 = randn([2, 9, h], generator: gen);
        var weight0 = randn([v, h], generator: gen);
        var labels = randint(0, v, [2, 9], generator: gen);
        labels[0, 3] = tensor(-100L);  // ignored positions, as a structural loss mask makes them
        labels[1, 1] = tensor(-100L);
        labels[1, 8] = tensor(-100L);

        var (hA, wA) = (new Parameter(hidden0.clone()), new Parameter(weight0.clone(), headTrains));
        var expected = CausalLmLoss.Compute(nn.functional.linear(hA * 2, wA), labels);
        expected.backward();
        var (hB, wB) = (new Parameter(hidden0.clone()), new Parameter(weight0.clone(), headTrains));
        var actual = ChunkedCrossEntropy.Compute(hB * 2, wB, labels, chunkBytes: rowsPerChunk * v * 4L);
        Assert.Empty(actual.shape);
        Assert.Equal(expected.item<float>(), actual.item<float>(), 5);
        (actual * 3).backward(); // the upstream gradient scales through (gradient accumulation divides the loss)
        Assert.True((hB.grad! - 3 * hA.grad!).abs().max().item<float>() < 1e-6, "hidden gradient differs");
        if (headTrains) Assert.True((wB.grad! - 3 * wA.grad!).abs().max().item<float>() < 1e-6, "head gradient differs");
        else Assert.Null(wB.grad);
    }

    [Fact]
    public void WithoutGradientsItIsThePlainLoss()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var hidden = randn([3, 6, 4], generator: gen);
        var weight = randn([11, 4], generator: gen);
        var labels = randint(0, 11, [3, 6], generator: gen);
        using var _ = no_grad();
        var plain = CausalLmLoss.Compute(nn.functional.linear(hidden, weight), labels).item<float>();
        Assert.Equal(plain, ChunkedCrossEntropy.Compute(hidden, weight, labels, chunkBytes: 2 * 11 * 4).item<float>(), 5);
    }
}
