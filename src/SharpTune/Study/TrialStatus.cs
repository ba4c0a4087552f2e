using System.Text.Json.Serialization;

namespace SharpTune.Study;

/// <summary>
/// A trial's life: queued in a sweep, running in its own process, then finished or failed (with its error). Cancelled
/// is a trial stopped from outside (scancel of a cluster sweep); like pending, a resubmitted sweep runs it again.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrialStatus>))]
public enum TrialStatus { Pending, Running, Finished, Failed, Cancelled }
