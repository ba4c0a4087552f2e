using System.Globalization;

namespace SharpTune.Study.Report;

/// <summary>Short human labels for settings ("lora r=8", "n=2k", "noise 0.1") used in legends, ticks and tables.</summary>
public static class SettingLabels
{
    /// <summary>Methods in the order the report lists them: the cheapest adaptation first, full fine-tuning last.</summary>
    public static readonly IReadOnlyList<string> MethodOrder = ["prompt-tuning", "p-tuning", "prefix-tuning", "lora", "dora", "unfreeze", "full"];

    /// <summary>Methods whose "rank" setting means something (the low-rank update's rank).</summary>
    public static bool UsesRank(string? method) => method is null or "lora" or "dora";

    public static string Describe(string key, string value) => key switch
    {
        "method" => value,
        "rank" => $"r={value}",
        "scaling" => value,
        "train_examples" => $"n={Count(value)}",
        "noise" => $"noise {value}",
        _ => $"{key}={value}",
    };

    /// <summary>
    /// The label of a set of settings, in the given key order (keys the group lacks, such as a prompt method's rank,
    /// are left out); "all" when there is nothing to tell apart.
    /// </summary>
    public static string Describe(TrialGroup g, IEnumerable<string> keys)
    {
        var parts = keys.Select(k => g.Get(k) is { } v ? Describe(k, v) : null).OfType<string>().ToList();
        return parts.Count == 0 ? "all" : string.Join(", ", parts);
    }

    /// <summary>Keys (except the excluded ones) whose value — absence included — is not the same in every group.</summary>
    public static IReadOnlyList<string> Varying(IReadOnlyList<TrialGroup> groups, IEnumerable<string> exclude)
    {
        var ex = exclude.ToHashSet(StringComparer.Ordinal);
        return groups.SelectMany(g => g.Settings.Keys).Distinct(StringComparer.Ordinal).Where(k => !ex.Contains(k))
            .Where(k => groups.Select(g => g.Get(k)).Distinct().Count() > 1)
            .OrderBy(KeyRank).ThenBy(k => k, StringComparer.Ordinal).ToList();
    }

    /// <summary>Puts the study's own axes first in labels and tables.</summary>
    public static int KeyRank(string key) => key switch
    {
        "method" => 0, "rank" => 1, "scaling" => 2, "train_examples" => 3, "noise" => 4, "lr" => 5, "seed" => 6, _ => 10,
    };

    /// <summary>1000 → "1k", 50000 → "50k", 1500000 → "1.5M"; other text as is.</summary>
    public static string Count(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? Count(d) : value;

    public static string Count(double d) => Math.Abs(d) switch
    {
        >= 1e9 => (d / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G",
        >= 1e6 => (d / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (d / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => d.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
