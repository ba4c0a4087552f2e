using System.ComponentModel;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>Options shared by commands that load a model.</summary>
public class ModelSettings : CheckedSettings
{
    public const string DevicePattern = @"cpu|cuda(:\d+)?";

    [CommandOption("--model <DIR>")]
    [Description("Hugging Face model folder (config.json + model.safetensors or a sharded index). Required.")]
    public string Model { get; set; } = "";

    [CommandOption("--device <DEVICE>")]
    [Description("cpu, cuda or cuda:N.")]
    [DefaultValue("cpu")] [Matches(DevicePattern, "cpu, cuda or cuda:N")]
    public string Device { get; set; } = "cpu";

    [CommandOption("--dtype <DTYPE>")]
    [Description("Compute dtype: float32 (the CPU path), bfloat16 or float16.")]
    [DefaultValue("float32")] [OneOf("float32", "bfloat16", "float16", "fp32", "bf16", "fp16")]
    public string DType { get; set; } = "float32";

    public override Spectre.Console.ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Model) ? Spectre.Console.ValidationResult.Error("--model DIR is required") : base.Validate();
}
