using SharpTune.Generation;
using SharpTune.Models;
using static TorchSharp.torch;

namespace SharpTune.Adapters;

/// <summary>
/// A training result ready to generate: a PEFT adapter folder loads onto its base; a full/unfreeze run wrote a whole
/// model folder, which loads alone; no result folder is the base itself. `eval`, sweep trials and the demo share this.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    public CausalLM Base { get; }
    public AdaptedModel? Adapter { get; }
    public ILanguageModel Model => Adapter is not null ? Adapter : Base;

    private TrainedModel(CausalLM baseModel, AdaptedModel? adapter) { Base = baseModel; Adapter = adapter; }

    public static TrainedModel Load(string baseDir, string? resultDir, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        bool adapter = resultDir is not null && AdapterIO.IsAdapterFolder(resultDir);
        var baseModel = ModelIO.Load(resultDir is not null && !adapter ? resultDir : baseDir, device, dtype);
        try { return new TrainedModel(baseModel, adapter ? AdapterIO.Load(resultDir!, baseModel) : null); }
        catch { baseModel.Dispose(); throw; }
    }

    public void Dispose()
    {
        Adapter?.Dispose();
        Base.Dispose();
    }
}
