using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SharpTune.Study;

/// <summary>
/// How the study's records are written as JSON (the store's settings/metrics columns, `runs … --json`): the records'
/// own JsonPropertyName names, statuses as lower-case words ("finished"), and NaN/±Infinity kept as the literals
/// "NaN"/"Infinity" — a diverged run has a NaN loss, and that is a result to record, not an exception.
/// </summary>
public static class ExperimentJson
{
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var o = new JsonSerializerOptions
        {
            WriteIndented = indented,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            // Settings hold paths and option values; keep '+' and non-ASCII readable rather than \uXXXX.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    /// <summary>The status as stored and printed: "pending", "running", "finished", "failed".</summary>
    public static string StatusName(TrialStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    public static bool TryParseStatus(string text, out TrialStatus status)
    {
        foreach (var s in Enum.GetValues<TrialStatus>())
            if (string.Equals(StatusName(s), text.Trim(), StringComparison.OrdinalIgnoreCase)) { status = s; return true; }
        status = default;
        return false;
    }
}
