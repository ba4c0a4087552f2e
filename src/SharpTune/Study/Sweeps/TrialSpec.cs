using System.Security.Cryptography;
using System.Text;

namespace SharpTune.Study.Sweeps;

/// <summary>
/// One trial: train options by name (no "--"; "_" and "-" are the same), including the sweep's own keys
/// ("scaling": classic|rslora, "train_examples": N, "noise": P). The id hashes the sweep name and the sorted
/// settings, so the same trial has the same id in every process and a resumed sweep skips what it finished.
/// </summary>
public sealed record TrialSpec(IReadOnlyDictionary<string, string> Settings)
{
    public string Id(string sweep)
    {
        var canonical = sweep + "\n" + string.Join("\n", Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..12];
    }

    /// <summary>A short readable label from the settings that vary within the sweep.</summary>
    public string Label(IEnumerable<string> varying) => string.Join(" ", varying.Where(Settings.ContainsKey).Select(k => $"{k}={Settings[k]}"));
}
