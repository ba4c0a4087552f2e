namespace SharpTune.Audit;

/// <summary>One check over the whole data set (some need all examples at once: duplicates, outliers, majority script).</summary>
public interface IAuditDetector
{
    /// <summary>The finding kinds this detector reports (audit.jsonl's reason kinds).</summary>
    IReadOnlyList<string> Kinds { get; }

    IEnumerable<Finding> Detect(AuditContext context);
}
