using SharpTune.IO;
using SharpTune.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class InfoCommand : Command<ModelSettings>
{
    public override int Execute(CommandContext context, ModelSettings s, CancellationToken cancel)
    {
        var config = ModelConfig.Load(Path.Combine(s.Model, "config.json"));
        using var model = ModelIO.Load(s.Model, Devices.Parse(s.Device), ModelIO.ParseDType(s.DType));
        var files = Directory.GetFiles(s.Model, "*.safetensors").Select(SafeTensorsFile.Open).ToList();
        var stored = files.SelectMany(f => f.Tensors.Values).GroupBy(t => t.DType).Select(g => $"{g.Key} ×{g.Count()}");
        long parameters = model.ParameterCount();
        int bytesPerParam = model.DType == TorchSharp.torch.ScalarType.Float32 ? 4 : 2;
        var table = new Table().AddColumn("field").AddColumn("value").HideHeaders();
        table.AddRow("architecture", $"{config.Architecture} (model_type {config.ModelType})");
        table.AddRow("parameters", $"{parameters:N0}");
        table.AddRow("layers / hidden / mlp", $"{config.NumLayers} / {config.HiddenSize} / {config.IntermediateSize}");
        table.AddRow("heads / kv heads / head dim", $"{config.NumHeads} / {config.NumKvHeads} / {config.HeadDim}");
        table.AddRow("vocab / max positions", $"{config.VocabSize} / {config.MaxPositions}");
        table.AddRow("tied embeddings", config.TieWordEmbeddings ? "yes" : "no");
        if (config.Architecture != Architecture.Gpt2) table.AddRow("rope theta", $"{config.RopeTheta}{(config.RopeScaling is { } rs ? $", scaling {rs.Type} ×{rs.Factor}" : "")}");
        table.AddRow("stored dtype", $"{config.TorchDtype} ({string.Join(", ", stored)})");
        table.AddRow("compute dtype / device", $"{ModelIO.DTypeName(model.DType)} / {model.Device}");
        table.AddRow("weights in memory", $"{parameters * bytesPerParam / 1048576.0:F1} MiB");
        table.AddRow("on disk", $"{files.Sum(f => new FileInfo(f.Path).Length) / 1048576.0:F1} MiB");
        table.AddRow("KV cache per token", $"{2L * config.NumLayers * config.NumKvHeads * config.HeadDim * bytesPerParam / 1024.0:F1} KiB");
        Output.Current().Write(table);
        return 0;
    }
}
