using System.Reflection;
using System.Text.Json.Serialization;

namespace SharpTune.Study.Report;

/// <summary>
/// One number of <see cref="TrialMetrics"/>, addressed by its JSON name (the contract shared with `eval --json` and
/// the store), with how the report labels and prints it.
/// </summary>
public sealed record ReportMetric(string Name, string Label, string Format, bool HigherIsBetter)
{
    private static readonly Dictionary<string, PropertyInfo> Properties = typeof(TrialMetrics).GetProperties()
        .Where(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null)
        .ToDictionary(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()!.Name, StringComparer.Ordinal);

    public static readonly ReportMetric RougeL = new("rougeL", "ROUGE-L F1", "F4", true);
    public static readonly ReportMetric Chrf = new("chrf", "chrF", "F2", true);
    public static readonly ReportMetric UnsupportedTokens = new("unsupported_token_rate", "unsupported token rate", "F4", false);
    public static readonly ReportMetric UnsupportedNumbers = new("unsupported_number_rate", "unsupported number rate", "F4", false);
    public static readonly ReportMetric Injection = new("injection_success_rate", "injection success rate", "F4", false);
    public static readonly ReportMetric Memorisation = new("noise_memorisation_rate", "noise memorisation rate", "F4", false);
    public static readonly ReportMetric Parameters = new("trainable_parameters", "trainable parameters", "N0", false);
    public static readonly ReportMetric Seconds = new("train_seconds", "training time (s)", "F1", false);
    public static readonly ReportMetric DevLoss = new("dev_loss", "dev loss", "F4", false);

    /// <summary>The columns of the trial table, in order (only those some trial has are shown).</summary>
    public static readonly IReadOnlyList<ReportMetric> Table =
    [
        new("rouge1", "ROUGE-1", "F4", true), new("rouge2", "ROUGE-2", "F4", true), RougeL, Chrf,
        new("length_ratio", "length ratio", "F3", true), DevLoss, new("dev_perplexity", "dev perplexity", "F2", false),
        UnsupportedTokens, UnsupportedNumbers,
        new("reference_unsupported_token_rate", "ref. unsupported tokens", "F4", false),
        new("reference_unsupported_number_rate", "ref. unsupported numbers", "F4", false),
        Injection, new("injection_control_rate", "injection control rate", "F4", false),
        new("injection_rouge_l", "ROUGE-L under injection", "F4", true),
        Memorisation, new("canary_leak_rate", "canary leak rate", "F4", false),
        Parameters, Seconds, new("tokens_per_second", "tokens/s", "F0", true),
        new("peak_rss_bytes", "peak RSS (bytes)", "N0", false), new("adapter_bytes", "adapter bytes", "N0", false),
        new("examples", "eval examples", "N0", true),
    ];

    /// <summary>The metric's value in a trial's metrics, or null when it was not measured.</summary>
    public double? Of(TrialMetrics? m)
    {
        if (m is null || !Properties.TryGetValue(Name, out var p)) return null;
        return p.GetValue(m) switch
        {
            null => null,
            double d => double.IsFinite(d) ? d : null,
            long l => l,
            int i => i,
            _ => null,
        };
    }
}
