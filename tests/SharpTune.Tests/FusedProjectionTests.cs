using SharpTune.Adapters;
using SharpTune.Models;
using SharpTune.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.Tests;

/// <summary>
/// Fused q/k/v and gate/up at inference: one matmul over a matrix whose row blocks ARE the separate parameters.
/// The reference is the same model's unfused path (taken whenever autograd is on), so every check compares two
/// different computations of the same function.
/// </summary>
public sealed class FusedProjectionTests
{
    private static float[] Logits(CausalLM model, long[] ids, bool grad)
    {
        using var scope = NewDisposeScope();
        using var mode = grad ? enable_grad() : no_grad();
        var layer = ((LlamaForCausalLM)model).model.layers[0];
        Assert.Equal(!grad, layer.self_attn.Fused);
        Assert.Equal(!grad, layer.mlp.Fused);
        return model.Forward(tensor(ids).unsqueeze(0)).detach().contiguous().data<float>().ToArray();
    }

    private static float MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    [Fact]
    public void Fused_inference_equals_the_separate_projections_and_follows_in_place_weight_changes()
    {
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        long[] ids = [5, 17, 42, 99, 3, 250, 7, 8];
        var before = Logits(model, ids, grad: false);
        Assert.True(MaxDiff(before, Logits(model, ids, grad: true)) < 1e-5f);

        // Training, loading and merging write parameters in place: the fused matrix must see it at once.
        var layer = ((LlamaForCausalLM)model).model.layers[1];
        using (no_grad())
        {
            layer.self_attn.k_proj.weight.add_(randn(layer.self_attn.k_proj.weight.shape, generator: new Generator(3, CPU)) * 0.5);
            layer.mlp.up_proj.weight.add_(randn(layer.mlp.up_proj.weight.shape, generator: new Generator(4, CPU)) * 0.5);
        }
        var fused = Logits(model, ids, grad: false);
        Assert.True(MaxDiff(fused, before) > 1e-3f, "the weight change did not change the logits");
        Assert.True(MaxDiff(fused, Logits(model, ids, grad: true)) < 1e-5f, "the fused matmul used stale weights");
    }

    [Fact]
    public void Qwen2_biases_are_fused_too()
    {
        var config = ModelPresets.Config("qwen2", "tiny");
        config["vocab_size"] = 300;
        using var model = ModelIO.Create(ModelConfig.FromJson(config));
        ModelIO.Initialize(model, 5, std: 0.1);
        using (no_grad())
            foreach (var (_, p) in model.named_parameters().Where(n => n.name.EndsWith(".bias")))
                p.copy_(randn(p.shape, generator: new Generator(2, CPU)) * 0.5);
        long[] ids = [1, 2, 3, 4, 5, 6];
        Assert.True(MaxDiff(Logits(model, ids, grad: false), Logits(model, ids, grad: true)) < 1e-5f);
    }

    [Fact]
    public void An_active_adapter_or_a_replaced_parameter_takes_the_separate_path()
    {
        using var model = ModelIO.Load(TinyFixture.ModelDir);
        var llama = (LlamaForCausalLM)model;
        var tok = Tokenizer.Load(Path.Combine(TinyFixture.ModelDir, "tokenizer.json"));
        using (no_grad())
        using (var lora = AdapterFactory.Create(model, new MethodOptions { Method = "lora", Rank = 2, Targets = "all-linear" }, tok, 0, "tiny"))
        {
            Assert.False(llama.model.layers[0].self_attn.Fused);
            Assert.False(llama.model.layers[0].mlp.Fused);
        }
        using (no_grad())
        {
            Assert.True(llama.model.layers[0].self_attn.Fused);
            // A swapped parameter (what to(dtype) does) is not a view of the fused matrix any more.
            var v = llama.model.layers[0].self_attn.v_proj;
            v.weight = new TorchSharp.Modules.Parameter(v.weight.detach().clone());
            Assert.False(llama.model.layers[0].self_attn.Fused);
        }
    }
}
