using System.ComponentModel;
using System.Reflection;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Options;

/// <summary>One command-line option of a settings type, found by reflection on its [CommandOption].</summary>
public sealed record OptionInfo(string Name, PropertyInfo Property, CommandOptionAttribute Attribute)
{
    /// <summary>The element type: int for int?, string for string[].</summary>
    public Type ValueType => Property.PropertyType.IsArray ? Property.PropertyType.GetElementType()!
        : Nullable.GetUnderlyingType(Property.PropertyType) ?? Property.PropertyType;

    public bool IsFlag => ValueType == typeof(bool);
    public bool IsList => Property.PropertyType.IsArray;
    public string? Description => Property.GetCustomAttribute<DescriptionAttribute>()?.Description;

    /// <summary>Every option of a settings type (inherited ones included), by long name without dashes.</summary>
    public static IReadOnlyDictionary<string, OptionInfo> Of(Type settings)
    {
        var map = new Dictionary<string, OptionInfo>(StringComparer.Ordinal);
        foreach (var p in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (p.GetCustomAttribute<CommandOptionAttribute>() is { } a)
                foreach (var n in a.LongNames) map[n] = new OptionInfo("--" + a.LongNames[0], p, a);
        return map;
    }

    /// <summary>The positional arguments ([CommandArgument]) a settings type takes.</summary>
    /// <summary>How many positional arguments the command takes; an array argument (`runs compare ID…`) takes any number.</summary>
    public static int PositionalCount(Type settings)
    {
        var args = settings.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetCustomAttribute<CommandArgumentAttribute>() is not null).ToList();
        return args.Any(p => p.PropertyType.IsArray) ? int.MaxValue : args.Count;
    }
}
