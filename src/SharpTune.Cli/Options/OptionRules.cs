using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace SharpTune.Cli.Options;

/// <summary>
/// The declared rules of every option, applied after binding: finite numbers in their documented range,
/// words from their list, no empty strings (unless [AllowEmpty]), output paths of the right kind.
/// Returns the first violation as one line naming the option and what was expected.
/// </summary>
public static class OptionRules
{
    public static string? Check(object settings)
    {
        var defaults = Activator.CreateInstance(settings.GetType());
        foreach (var o in OptionInfo.Of(settings.GetType()).Values.DistinctBy(o => o.Property))
        {
            var value = o.Property.GetValue(settings);
            if (value is null) continue;
            var error = value is Array array
                ? array.Cast<object?>().Select(v => CheckOne(o, v, null)).FirstOrDefault(e => e is not null)
                : CheckOne(o, value, o.Property.GetValue(defaults));
            if (error is not null) return error;
        }
        return null;
    }

    private static string? CheckOne(OptionInfo o, object? value, object? defaultValue)
    {
        var p = o.Property;
        var range = p.GetCustomAttribute<ValidRangeAttribute>();
        switch (value)
        {
            case double d:
                if (!double.IsFinite(d)) return $"{o.Name} {Show(d)}: expected a finite number{(range is null ? "" : " " + range.Describe())}";
                if (range is not null && !range.Contains(d)) return $"{o.Name} {Show(d)}: expected a number {range.Describe()}";
                return null;
            case int or long:
                var l = Convert.ToInt64(value, CultureInfo.InvariantCulture);
                if (range is not null && !range.Contains(l)) return $"{o.Name} {l}: expected an integer {range.Describe()}";
                return null;
            case string s:
                if (s.Length == 0 || s.Trim().Length == 0)
                {
                    // "" where the default is "" means "not given" (required options say so in the command's Validate).
                    if (p.GetCustomAttribute<AllowEmptyAttribute>() is not null || (defaultValue is string dv && dv == s)) return null;
                    return $"{o.Name} \"{s}\": expected a non-empty value";
                }
                if (p.GetCustomAttribute<OneOfAttribute>() is { } oneOf)
                {
                    var items = oneOf.List ? s.Split(',', StringSplitOptions.TrimEntries) : [s];
                    if (items.FirstOrDefault(i => !oneOf.Choices.Contains(i)) is { } bad)
                        return $"{o.Name} {s}: {(oneOf.List ? $"'{bad}' is not one of" : "expected one of")} {string.Join(", ", oneOf.Choices)}";
                }
                if (p.GetCustomAttribute<MatchesAttribute>() is { } m && !Regex.IsMatch(s, $"^(?:{m.Pattern})$"))
                    return $"{o.Name} {s}: expected {m.Expected}";
                if (p.GetCustomAttribute<OutputPathAttribute>() is { } outPath)
                {
                    if (!outPath.IsFile && File.Exists(s)) return $"{o.Name} {s} is an existing file; expected a folder";
                    if (outPath.IsFile && Directory.Exists(s)) return $"{o.Name} {s}: is an existing folder; expected a file name";
                    for (var parent = Path.GetDirectoryName(Path.GetFullPath(s)); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
                        if (File.Exists(parent)) return $"{o.Name} {s}: {parent} is a file, not a folder";
                }
                return null;
            default:
                return null;
        }
    }

    private static string Show(double d) => double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : d.ToString("G", CultureInfo.InvariantCulture);
}
