using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using SharpTune.IO;

namespace SharpTune.Study;

/// <summary>
/// The runs table's row, read the same from either store: both keep settings and metrics as the same JSON text and
/// times as ISO 8601 text, so one reader serves <see cref="SqliteExperimentStore"/> and <see cref="PostgresExperimentStore"/>.
/// </summary>
internal static class RunRow
{
    /// <summary>The columns <see cref="Read"/> expects, in order.</summary>
    public const string Columns = "id, sweep, settings, status, error, metrics, best_step, code_version, data_fingerprint, base_model, artifact_dir, started_at, finished_at";

    /// <summary>The current row as a record; a damaged row is one line naming the store and the run.</summary>
    public static TrialRecord Read(DbDataReader r, string location)
    {
        var id = r.GetString(0);
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        try
        {
            var statusText = r.GetString(3);
            if (!ExperimentJson.TryParseStatus(statusText, out var status))
                throw new FormatException($"status '{statusText}' is not one of pending, running, finished, failed, cancelled");
            return new TrialRecord
            {
                Id = id,
                Sweep = Text(1),
                Settings = JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(2), ExperimentJson.Options)
                           ?? throw new FormatException("settings is null"),
                Status = status,
                Error = Text(4),
                Metrics = Text(5) is { } m ? JsonSerializer.Deserialize<TrialMetrics>(m, ExperimentJson.Options) : null,
                BestStep = r.IsDBNull(6) ? null : r.GetInt64(6),
                CodeVersion = Text(7),
                DataFingerprint = Text(8),
                BaseModel = Text(9),
                ArtifactDir = Text(10),
                StartedAt = Text(11) is { } s ? DateTimeOffset.ParseExact(s, "O", CultureInfo.InvariantCulture) : null,
                FinishedAt = Text(12) is { } f ? DateTimeOffset.ParseExact(f, "O", CultureInfo.InvariantCulture) : null,
            };
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidCastException)
        {
            throw new SharpTuneException($"{location}: run {id} is damaged ({e.Message.ReplaceLineEndings(" ")})", e);
        }
    }
}
