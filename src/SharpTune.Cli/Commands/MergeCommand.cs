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
        [CommandOption("--out <DIR>")] [Description("Folder for the merged Hugging Face model (must not be an existing file; never --model or --adapter). Required.")] [OutputPath] public string Out { get; set; } = "";
        [CommandOption("--force")] [Description("Replace an existing model folder at --out instead of refusing.")] public bool Force { get; set; }

        public override Spectre.Console.ValidationResult Validate() =>
            Adapter == "" || Out == "" ? Spectre.Console.ValidationResult.Error("--adapter DIR and --out DIR are required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        List<(string, string?)> inputs = [("--model", s.Model), ("--adapter", s.Adapter)];
        OutputFolder.Check(s.Out, s.Force, inputs);
        using var baseModel = ModelIO.Load(s.Model, Devices.Parse(s.Device));
        using var adapted = AdapterIO.Load(s.Adapter, baseModel);
        if (adapted is not LoraModel lora) throw new SharpTuneException($"{s.Adapter}: only LoRA adapters can be merged into the weights ({adapted.Method} adds virtual tokens)");
        var merged = lora.MergeAndUnload();
        OutputFolder.Write(s.Out, s.Force, inputs, dir =>
        {
            ModelIO.Save(merged, dir);
            PretrainRecipe.CopyCompanions(s.Model, dir);
        });
        Console.WriteLine($"merged {lora.Layers.Count} LoRA layers into {s.Out}");
        return 0;
    }
}
