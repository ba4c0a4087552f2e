using System.Globalization;

namespace SharpTune.Study.Sweeps;

/// <summary>
/// Turns a trial's settings into `sharptune trial` arguments: every setting is a train option ("rank" → --rank 8;
/// "true" → a bare flag, "false" → left out), except the sweep's own keys: "scaling" (classic | rslora → --rslora)
/// and "train_examples" (→ --limit, the first N pairs of the data file).
/// </summary>
public static class TrialArguments
{
    public static List<string> For(TrialSpec trial)
    {
        var args = new List<string>();
        foreach (var (key, value) in trial.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            switch (key)
            {
                case "scaling":
                    if (value == "rslora") args.Add("--rslora");
                    else if (value != "classic") throw new IO.SharpTuneException($"scaling '{value}': expected classic (alpha/r) or rslora (alpha/sqrt r)");
                    break;
                case "train_examples":
                    args.Add("--limit"); args.Add(value);
                    break;
                default:
                    var option = "--" + key.Replace('_', '-');
                    if (value.Equals("true", StringComparison.OrdinalIgnoreCase)) args.Add(option);
                    else if (!value.Equals("false", StringComparison.OrdinalIgnoreCase)) { args.Add(option); args.Add(value); }
                    break;
            }
        }
        return args;
    }

    public static string Invariant(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
