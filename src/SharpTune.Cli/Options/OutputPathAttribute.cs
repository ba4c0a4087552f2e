namespace SharpTune.Cli.Options;

/// <summary>
/// An output path: a folder (the default) must not name an existing file, a file must not name an existing
/// folder. Whether an existing output may be replaced is decided by the command, not here.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OutputPathAttribute(bool isFile = false) : Attribute
{
    public bool IsFile { get; } = isFile;
}
