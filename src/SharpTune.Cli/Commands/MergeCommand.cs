using System.ComponentModel;
using SharpTune.Adapters;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Recipes;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--adapter <DIR>")] [Description("PEFT LoRA adapter folder. Required.")] public string Adapter { get; set; } = "";
        [CommandOption("--out <DIR>")] [Description("Folder for the merged Hugging Face model (must not be an existing file). Required.")] [OutputPath] public string Out { get; set; } = "";

        public override Spectre.Console.ValidationResult Validate() =>
            Adapter == "" || Out == "" ? Spectre.Console.ValidationResult.Error("--adapter DIR and --out DIR are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var baseModel = ModelIO.Load(s.Model, Devices.Parse(s.Device));
        using var adapted = AdapterIO.Load(s.Adapter, baseModel);
        if (adapted is not LoraModel lora) throw new SharpTuneException($"{s.Adapter}: only LoRA adapters can be merged into the weights ({adapted.Method} adds virtual tokens)");
        var merged = lora.MergeAndUnload();
        ModelIO.Save(merged, s.Out);
        PretrainRecipe.CopyCompanions(s.Model, s.Out);
        Console.WriteLine($"merged {lora.Layers.Count} LoRA layers into {s.Out}");
        return 0;
    }
}
