using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Options;

/// <summary>
/// Base of every command's settings: Validate() applies the declared rules of every option
/// (<see cref="OptionRules"/>), so a new option cannot skip validation. Subclasses check what needs
/// several options at once and end with base.Validate().
/// </summary>
public abstract class CheckedSettings : CommandSettings
{
    public override ValidationResult Validate() =>
        OptionRules.Check(this) is { } error ? ValidationResult.Error(error) : ValidationResult.Success();
}
