using SharpTune.Adapters;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// DoRA and the P-tuning LSTM encoder against values worked out by hand or by explicit formulas in the test
/// (PEFT 0.12's definitions; PyTorch's documented LSTM equations), not against SharpTune's own code paths.
/// </summary>
public class MethodReferenceTests
{
    private static float[] Values(Tensor t) => t.detach().contiguous().data<float>().ToArray();

    private static void Near(double[] expected, float[] actual, double tol = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < tol, $"[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void DoraMatchesHandComputedValuesAndGradients()
    {
        using var scope = NewDisposeScope();
        var layer = new LinearLayer("t", 3, 2, hasBias: true, conv1D: false, CPU, ScalarType.Float32);
        using (no_grad())
        {
            layer.weight.copy_(tensor(new float[,] { { 1, 2, 2 }, { 0, 3, 4 } }));   // row norms 3 and 5
            layer.bias!.copy_(tensor(new float[] { 0.5f, -1 }));
        }
        layer.weight.requires_grad = false;
        layer.bias.requires_grad = false;
        var lora = new LoraLinear(layer, r: 1, scaling: 2.0, dropout: 0, dora: true, rng: null);
        // PEFT initialises the magnitude to ‖W‖ per output row (weight norm over dim=1, the input features).
        Near([3, 5], Values(lora.Magnitude!));
        using (no_grad())
        {
            lora.A.copy_(tensor(new float[,] { { 1, 0, 0 } }));
            lora.B.copy_(tensor(new float[,] { { 0.5f }, { 0 } }));
            lora.Magnitude!.copy_(tensor(new float[] { 4.5f, 10 }));
        }
        // W' = W + s·B·A = [[2,2,2],[0,3,4]]; ‖W'‖ per row = √12, 5; DoRA weight = m/‖W'‖ · W' = [[3√3/2]×3, [0,6,8]].
        double h = 3 * Math.Sqrt(3) / 2;
        Near([h, h, h, 0, 6, 8], Values(lora.MergedWeight()));
        // y = DoRA weight · x + bias. x = [1,−1,2]: [3√3 + 0.5, 10 − 1]; x = [0,1,0]: [3√3/2 + 0.5, 6 − 1].
        var x = tensor(new float[,] { { 1, -1, 2 }, { 0, 1, 0 } });
        var y = layer.forward(x);
        Near([2 * h + 0.5, 9, h + 0.5, 5], Values(y));

        // Gradients of y[0,0] + y[0,1] for x = [1,−1,2], with ‖W'‖ detached as PEFT does:
        //   d/dm_o = (W'x)_o / ‖W'_o‖ = 4/√12, 5/5;  d/dB_o = m_o/‖W'_o‖ · s · (A·x) = 4.5/√12·2·1, 10/5·2·1;
        //   d/dA = s · Σ_o m_o/‖W'_o‖ · B_o · x = 2 · (4.5/√12 · 0.5) · [1,−1,2].
        layer.forward(x[TensorIndex.Slice(0, 1)]).sum().backward();
        Near([4 / Math.Sqrt(12), 1], Values(lora.Magnitude.grad!));
        Near([2 * 4.5 / Math.Sqrt(12), 4], Values(lora.B.grad!));
        double a = 2 * 4.5 / Math.Sqrt(12) * 0.5;
        Near([a, -a, 2 * a], Values(lora.A.grad!));
    }

    [Fact]
    public void LstmPromptEncoderMatchesTheLstmEquationsThenTheMlpHead()
    {
        using var scope = NewDisposeScope();
        // 2 virtual tokens of dimension 3, hidden 2: PEFT's PromptEncoder(LSTM) is a 2-layer bidirectional LSTM
        // (batch_first) over the embeddings, then Linear(2H,2H) → ReLU → Linear(2H, token_dim).
        var encoder = new PromptEncoder(2, 3, 2, "LSTM", 0, CPU, ScalarType.Float32, new Generator(11, CPU));
        var p = encoder.named_parameters().ToDictionary(t => t.name, t => t.parameter);
        var expectedNames = new List<string> { "embedding_weight", "mlp_head.0.weight", "mlp_head.0.bias", "mlp_head.2.weight", "mlp_head.2.bias" };
        foreach (var l in new[] { "l0", "l1" })
            foreach (var dir in new[] { "", "_reverse" })
                foreach (var w in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
                    expectedNames.Add($"lstm_head.{w}_{l}{dir}");
        Assert.Equal(expectedNames.OrderBy(n => n), p.Keys.OrderBy(n => n));
        // Distinct, non-trivial values everywhere (the default init would do, but make them sizeable).
        var g = new Generator(3, CPU);
        using (no_grad())
            foreach (var t in p.Values) t.copy_(randn(t.shape, generator: g) * 0.7);

        double[][] Mat(string name)
        {
            var t = p[name];
            int rows = (int)t.shape[0], cols = t.dim() == 2 ? (int)t.shape[1] : 1;
            var v = Values(t);
            return Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).Select(c => (double)v[r * cols + c]).ToArray()).ToArray();
        }
        double[] Vec(string name) => Values(p[name]).Select(f => (double)f).ToArray();
        static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));
        static double[] MatVec(double[][] m, double[] v) => m.Select(row => row.Zip(v, (a, b) => a * b).Sum()).ToArray();

        // One direction of one layer: i, f, g, o = W_ih·x + b_ih + W_hh·h + b_hh split in PyTorch's order;
        // c = f⊙c + i⊙g; h = o⊙tanh(c); zero initial state.
        double[][] Run(double[][] inputs, string suffix, bool reverse)
        {
            const int H = 2;
            var wih = Mat("lstm_head.weight_ih_" + suffix); var whh = Mat("lstm_head.weight_hh_" + suffix);
            var bih = Vec("lstm_head.bias_ih_" + suffix); var bhh = Vec("lstm_head.bias_hh_" + suffix);
            var h = new double[H]; var c = new double[H];
            var outputs = new double[inputs.Length][];
            var order = Enumerable.Range(0, inputs.Length).ToArray();
            if (reverse) Array.Reverse(order);
            foreach (int t in order)
            {
                var z = MatVec(wih, inputs[t]).Zip(MatVec(whh, h), (u, w) => u + w).Select((v, k) => v + bih[k] + bhh[k]).ToArray();
                var nc = new double[H]; var nh = new double[H];
                for (int k = 0; k < H; k++)
                {
                    double ig = Sigmoid(z[k]), fg = Sigmoid(z[H + k]), gg = Math.Tanh(z[2 * H + k]), og = Sigmoid(z[3 * H + k]);
                    nc[k] = fg * c[k] + ig * gg;
                    nh[k] = og * Math.Tanh(nc[k]);
                }
                (h, c) = (nh, nc);
                outputs[t] = h;
            }
            return outputs;
        }
        double[][] Layer(double[][] inputs, string l)
        {
            var fwd = Run(inputs, l, false);
            var bwd = Run(inputs, l + "_reverse", true);
            return fwd.Zip(bwd, (a, b) => a.Concat(b).ToArray()).ToArray();   // [forward h, backward h] per token
        }
        var emb = Mat("embedding_weight");
        var lstmOut = Layer(Layer(emb, "l0"), "l1");
        var expected = lstmOut.SelectMany(v =>
        {
            var hidden = MatVec(Mat("mlp_head.0.weight"), v).Zip(Vec("mlp_head.0.bias"), (a, b) => Math.Max(0, a + b)).ToArray();
            return MatVec(Mat("mlp_head.2.weight"), hidden).Zip(Vec("mlp_head.2.bias"), (a, b) => a + b);
        }).ToArray();

        encoder.eval();
        using var _ = no_grad();
        var actual = encoder.Compute();
        Assert.Equal(new long[] { 2, 3 }, actual.shape);
        Near(expected, Values(actual));
    }
}
