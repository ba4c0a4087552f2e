namespace SharpTune.Cli.Options;

/// <summary>A string option for which an empty value means something (every other option refuses "").</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AllowEmptyAttribute : Attribute;
