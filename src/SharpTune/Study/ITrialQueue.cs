namespace SharpTune.Study;

/// <summary>
/// A store that workers on many machines take trials from. A claim is a lease: the worker renews it while the trial
/// runs (<see cref="Renew"/>); a worker that dies stops renewing, and once the lease has run out the trial can be
/// claimed again. Only the holder of the claim can record the result (<see cref="Complete"/>), so a worker that was
/// presumed dead and comes back cannot overwrite its successor's result.
/// </summary>
public interface ITrialQueue
{
    /// <summary>
    /// Claims this run for <paramref name="worker"/> when it is pending, cancelled, or running under an expired lease;
    /// null when it is finished, failed, or held by a live worker. The returned record is the claimed (running) one.
    /// </summary>
    TrialRecord? TryClaim(string runId, string worker, TimeSpan lease);

    /// <summary>The oldest claimable run of the sweep, claimed for <paramref name="worker"/>; null when none is left.</summary>
    TrialRecord? ClaimNext(string sweep, string worker, TimeSpan lease);

    /// <summary>Extends the lease; false when the worker no longer holds the claim (it expired and was taken over).</summary>
    bool Renew(string runId, string worker, TimeSpan lease);

    /// <summary>Records the run's final state and releases the claim; false (nothing written) when the worker lost it.</summary>
    bool Complete(TrialRecord run, string worker);

    /// <summary>Who holds the run and until when (null when nobody does).</summary>
    (string Worker, DateTimeOffset Until)? Lease(string runId);
}
