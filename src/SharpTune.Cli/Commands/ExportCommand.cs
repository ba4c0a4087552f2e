using System.ComponentModel;
using SharpTune.Adapters;
using SharpTune.Cli.Options;
using SharpTune.Export;
using SharpTune.IO;
using SharpTune.Models;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>Writes a model (optionally with a LoRA adapter merged in) as a GGUF file for llama.cpp, Ollama or LLamaSharp.</summary>
public sealed class ExportCommand : Command<ExportCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--adapter <DIR>")] [Description("PEFT LoRA adapter folder to merge into the weights before export.")] public string? Adapter { get; set; }
        [CommandOption("--format <FORMAT>")] [Description("Output format: gguf.")] [DefaultValue("gguf")] [OneOf("gguf")] public string Format { get; set; } = "gguf";
        [CommandOption("--type <TYPE>")] [Description("Weight type of matrices: f32, f16 or q8_0 (llama.cpp's 8-bit blocks of 32 with an f16 scale; norm weights stay f32).")] [DefaultValue("f32")] [OneOf("f32", "f16", "q8_0")] public string Type { get; set; } = "f32";
        [CommandOption("--lora")] [Description("With --adapter: write the LoRA adapter itself as a llama.cpp LoRA adapter GGUF (llama-cli --lora, LLamaSharp LoadLoraFromFile) instead of merging it into the model.")] public bool Lora { get; set; }
        [CommandOption("--name <NAME>")] [Description("general.name written into the file (default: the model folder's name).")] public string? Name { get; set; }
        [CommandOption("--out <FILE>")] [Description("The .gguf file to write (never --model or --adapter). Required.")] [OutputPath(isFile: true)] public string Out { get; set; } = "";
        [CommandOption("--force")] [Description("Replace an existing file at --out instead of refusing.")] public bool Force { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Out == "" ? Spectre.Console.ValidationResult.Error("--out FILE is required")
            : Lora && Adapter is null ? Spectre.Console.ValidationResult.Error("--lora writes an adapter file: it needs --adapter DIR")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        if (Directory.Exists(s.Out)) throw new SharpTuneException($"--out {s.Out}: is a folder; expected a .gguf file path");
        if (File.Exists(s.Out) && !s.Force) throw new SharpTuneException($"--out {s.Out}: exists; pass --force to replace it");
        foreach (var dir in new[] { s.Model, s.Adapter })
            if (dir is not null && PathGuard.IsInside(Path.GetFullPath(s.Out), Path.GetFullPath(dir)))
                throw new SharpTuneException($"--out {s.Out}: is inside input folder {dir}; write the GGUF file elsewhere");
        using var model = ModelIO.Load(s.Model, Devices.Parse(s.Device));
        var type = s.Type switch { "f16" => GgufTensorType.F16, "q8_0" => GgufTensorType.Q8_0, _ => GgufTensorType.F32 };
        if (s.Lora)
        {
            using var adapter = AdapterIO.Load(s.Adapter!, model);
            if (adapter is not LoraModel l) throw new SharpTuneException($"{s.Adapter}: --lora exports LoRA adapters only (this is {adapter.Method})");
            GgufLoraExporter.Export(l, s.Adapter!, s.Out, type, s.Name ?? Path.GetFileName(Path.GetFullPath(s.Adapter!).TrimEnd('/', '\\')));
            Console.WriteLine($"wrote {s.Out} ({new FileInfo(s.Out).Length / 1e6:F1} MB, LoRA adapter over {l.Layers.Count} layers, {s.Type})");
            return 0;
        }
        var merged = model;
        string note = "";
        if (s.Adapter is not null)
        {
            var adapted = AdapterIO.Load(s.Adapter, model);
            if (adapted is not LoraModel lora) throw new SharpTuneException($"{s.Adapter}: only LoRA adapters can be merged for export ({adapted.Method} adds virtual tokens)");
            merged = lora.MergeAndUnload();
            note = $" with {lora.Layers.Count} LoRA layers merged";
        }
        GgufExporter.Export(merged, s.Model, s.Out, type, s.Name);
        Console.WriteLine($"wrote {s.Out} ({new FileInfo(s.Out).Length / 1e6:F1} MB, {s.Type}){note}");
        return 0;
    }
}
