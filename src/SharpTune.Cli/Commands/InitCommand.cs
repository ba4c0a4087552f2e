using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class InitCommand : Command<InitCommand.Settings>
{
    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--arch <ARCH>")] [Description("llama, qwen2 or gpt2.")] [DefaultValue("llama")] [OneOf("llama", "qwen2", "gpt2")]
        public string Arch { get; set; } = "llama";

        [CommandOption("--size <SIZE>")] [Description("tiny, small or medium.")] [DefaultValue("tiny")] [OneOf("tiny", "small", "medium")]
        public string Size { get; set; } = "tiny";

        [CommandOption("--like <CONFIG>")] [Description("Any HF config.json to copy the shape from (overrides --arch/--size).")]
        public string? Like { get; set; }

        [CommandOption("--out <DIR>")] [Description("Folder to write config.json, model.safetensors and generation_config.json to (must not be an existing file). Required.")] [OutputPath]
        public string Out { get; set; } = "";

        [CommandOption("--force")] [Description("Replace an existing model folder at --out instead of refusing.")]
        public bool Force { get; set; }

        [CommandOption("--seed <N>")] [Description("Initialisation seed (≥ 0); the same seed writes the same weights.")] [DefaultValue(0L)] [ValidRange(0)]
        public long Seed { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? Spectre.Console.ValidationResult.Error("--out DIR is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        OutputFolder.Check(s.Out, s.Force, [("--like", s.Like)]);
        var config = s.Like is not null ? ModelConfig.Load(s.Like) : ModelConfig.FromJson(ModelPresets.Config(s.Arch, s.Size), $"--arch {s.Arch} --size {s.Size}");
        using var model = ModelIO.Create(config);
        ModelIO.Initialize(model, s.Seed);
        var gen = new JsonObject();
        if (config.BosTokenId is int bos) gen["bos_token_id"] = bos;
        if (config.EosTokenIds.Length > 0) gen["eos_token_id"] = config.EosTokenIds.Length == 1 ? config.EosTokenIds[0] : new JsonArray(config.EosTokenIds.Select(i => (JsonNode)i).ToArray());
        OutputFolder.Write(s.Out, s.Force, [("--like", s.Like)], dir =>
        {
            ModelIO.Save(model, dir, TorchSharp.torch.ScalarType.Float32);
            AtomicFile.WriteAllText(Path.Combine(dir, "generation_config.json"), gen.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        });
        Console.WriteLine($"wrote {config.ModelType} with {model.ParameterCount():N0} parameters (seed {s.Seed}) to {s.Out}");
        return 0;
    }
}
