using System.Globalization;
using System.Text.Json.Serialization;

namespace SharpTune.Study.Recommendation;

/// <summary>
/// One configuration of a sweep: its finished trials grouped by settings minus the seed, with every metric the rules
/// use as a mean ± standard error over the seeds.
/// </summary>
public sealed record ConfigPoint
{
    /// <summary>The trials' settings without "seed" (the grouping key).</summary>
    [JsonPropertyName("settings")] public required IReadOnlyDictionary<string, string> Settings { get; init; }
    [JsonPropertyName("label")] public required string Label { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }
    [JsonPropertyName("rank")] public int? Rank { get; init; }
    [JsonPropertyName("scaling")] public string? Scaling { get; init; }
    /// <summary>"train_examples" (or "limit" when a sweep used that name).</summary>
    [JsonPropertyName("train_examples")] public int? TrainExamples { get; init; }
    [JsonPropertyName("noise")] public double Noise { get; init; }
    [JsonPropertyName("seeds")] public int Seeds { get; init; }
    [JsonPropertyName("trial_ids")] public required IReadOnlyList<string> TrialIds { get; init; }

    [JsonPropertyName("rougeL")] public required Estimate RougeL { get; init; }
    [JsonPropertyName("chrf")] public Estimate? Chrf { get; init; }
    /// <summary>Unsupported content-token rate of the outputs minus that of the references (absolute when a trial lacks the baseline).</summary>
    [JsonPropertyName("hallucination_excess")] public Estimate? HallucinationExcess { get; init; }
    [JsonPropertyName("reference_unsupported_token_rate")] public Estimate? ReferenceBaseline { get; init; }
    [JsonPropertyName("injection_success_rate")] public Estimate? Injection { get; init; }
    [JsonPropertyName("noise_memorisation_rate")] public Estimate? Memorisation { get; init; }
    [JsonPropertyName("trainable_parameters")] public double? TrainableParameters { get; init; }
    [JsonPropertyName("train_seconds")] public double? TrainSeconds { get; init; }

    public bool IsLora => Method == "lora";
    public bool IsFull => Method == "full";
    public bool IsPromptMethod => Method is "prompt-tuning" or "p-tuning" or "prefix-tuning";

    /// <summary>Settings that never define a configuration: the seed (averaged over) and run bookkeeping.</summary>
    public static readonly IReadOnlySet<string> NonDefiningKeys = new HashSet<string> { "seed", "out", "output", "resume", "force" };

    /// <summary>
    /// One point per configuration. Labels name the known axes and whatever else varies between the configurations;
    /// a setting every trial shares (the data file, the base model, the batch size of the whole study) says nothing
    /// about which configuration is which, so it is left out of the label (it stays in <see cref="Settings"/>).
    /// </summary>
    public static IReadOnlyList<ConfigPoint> Group(IEnumerable<TrialRecord> finished)
    {
        var groups = finished.GroupBy(t => Key(t.Settings)).Select(g => g.ToList()).ToList();
        var shared = SharedKeys(groups.Select(g => g[0].Settings).ToList());
        return groups.Select(g => From(g, shared)).OrderBy(p => p.Label, StringComparer.Ordinal).ToList();
    }

    /// <summary>The settings every configuration holds with one value (none when there is a single configuration).</summary>
    internal static HashSet<string> SharedKeys(IReadOnlyList<IReadOnlyDictionary<string, string>> configs) =>
        configs.Count < 2 ? [] : configs.SelectMany(c => c.Keys).Distinct()
            .Where(k => configs.All(c => c.TryGetValue(k, out var v) && v == configs[0][k])).ToHashSet();

    /// <summary><see cref="Describe"/> without the settings in <paramref name="shared"/> (the known axes always stay).</summary>
    internal static string Describe(IReadOnlyDictionary<string, string> s, IReadOnlySet<string> shared, string method, int? rank, int? data, double noise) =>
        Describe(s.Where(kv => !shared.Contains(kv.Key) || Described.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value), method, rank, data, noise);

    public static string Key(IReadOnlyDictionary<string, string> settings, params string[] without) =>
        string.Join(";", settings.Where(kv => !NonDefiningKeys.Contains(kv.Key) && !without.Contains(kv.Key))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));

    private static ConfigPoint From(IReadOnlyList<TrialRecord> trials, IReadOnlySet<string> shared)
    {
        var settings = trials[0].Settings.Where(kv => !NonDefiningKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
        var m = trials.Select(t => t.Metrics!).ToList();
        string method = (settings.GetValueOrDefault("method") ?? "lora").Trim().ToLowerInvariant();
        int? rank = Int(settings, "rank");
        int? data = Int(settings, "train_examples") ?? Int(settings, "limit");
        double noise = Double(settings, "noise") ?? 0;
        var point = new ConfigPoint
        {
            Settings = settings,
            Label = Describe(settings, shared, method, rank, data, noise),
            Method = method,
            Rank = rank,
            Scaling = settings.GetValueOrDefault("scaling"),
            TrainExamples = data,
            Noise = noise,
            Seeds = trials.Count,
            TrialIds = trials.Select(t => t.Id).ToList(),
            RougeL = Estimate.Of(m.Select(x => x.RougeL!.Value))!,
            Chrf = Estimate.Of(m.Where(x => x.Chrf is not null).Select(x => x.Chrf!.Value)),
            // The references of abstractive data are not fully grounded either (Debian synopses use words their
            // descriptions lack), so a model is charged only for what it invents beyond the data's own baseline.
            HallucinationExcess = Estimate.Of(m.Where(x => x.UnsupportedTokenRate is not null)
                .Select(x => x.UnsupportedTokenRate!.Value - (x.ReferenceUnsupportedTokenRate ?? 0))),
            ReferenceBaseline = Estimate.Of(m.Where(x => x.ReferenceUnsupportedTokenRate is not null).Select(x => x.ReferenceUnsupportedTokenRate!.Value)),
            Injection = Estimate.Of(m.Where(x => x.InjectionSuccessRate is not null).Select(x => x.InjectionSuccessRate!.Value)),
            Memorisation = Estimate.Of(m.Where(x => x.NoiseMemorisationRate is not null).Select(x => x.NoiseMemorisationRate!.Value)),
            TrainableParameters = Mean(m.Select(x => (double?)x.TrainableParameters)),
            TrainSeconds = Mean(m.Select(x => x.TrainSeconds)),
        };
        return point;
    }

    private static double? Mean(IEnumerable<double?> xs)
    {
        var v = xs.Where(x => x is not null).Select(x => x!.Value).ToList();
        return v.Count == 0 ? null : v.Average();
    }

    private static int? Int(IReadOnlyDictionary<string, string> s, string key) =>
        s.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (int)Math.Round(d) : null;

    private static double? Double(IReadOnlyDictionary<string, string> s, string key) =>
        s.TryGetValue(key, out var v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static readonly string[] Described = ["method", "rank", "scaling", "train_examples", "limit", "noise"];

    /// <summary>"lora r=8 rslora, 10,000 examples, noise 0.2, lr=0.002" — the known axes first, then the rest sorted.</summary>
    internal static string Describe(IReadOnlyDictionary<string, string> s, string method, int? rank, int? data, double noise)
    {
        var parts = new List<string> { method + (rank is { } r ? $" r={r}" : "") + (s.TryGetValue("scaling", out var sc) ? " " + sc : "") };
        if (data is { } n) parts.Add(n.ToString("N0", CultureInfo.InvariantCulture) + " examples");
        if (noise > 0) parts.Add("noise " + noise.ToString(CultureInfo.InvariantCulture));
        parts.AddRange(s.Where(kv => !Described.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        return string.Join(", ", parts);
    }

    public string Cost() => (TrainableParameters is { } p ? p.ToString("N0", CultureInfo.InvariantCulture) + " trainable parameters" : "trainable parameters unknown")
        + (TrainSeconds is { } t ? FormattableString.Invariant($", {t:F0} s training") : "");
}
