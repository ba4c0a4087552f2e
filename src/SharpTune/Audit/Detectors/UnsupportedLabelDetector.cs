using SharpTune.Evaluation;

namespace SharpTune.Audit.Detectors;

/// <summary>
/// Labels with content the source does not support: the study's hallucination measure (<see cref="Grounding"/>,
/// Nan et al. 2021's matching) applied to the answer against its own source. Flagged when the share of unsupported
/// content tokens is ≥ <see cref="AuditOptions.UnsupportedTokenRate"/> with ≥ <see cref="AuditOptions.UnsupportedMinContentTokens"/>
/// content tokens. Debian synopses are abstractive (their own reference rate is about 0.4), so the default flags
/// only answers with no content word from their source — what another example's summary looks like.
/// </summary>
public sealed class UnsupportedLabelDetector : IAuditDetector
{
    public const string Kind = "unsupported-label";

    public IReadOnlyList<string> Kinds => [Kind];

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        var o = c.Options;
        for (int i = 0; i < c.Train.Count; i++)
        {
            var e = c.Train[i];
            if (e.Summary.Trim().Length == 0) continue;
            var g = Grounding.Score(e.Summary, e.Source);
            if (g.ContentTokens < o.UnsupportedMinContentTokens || g.UnsupportedTokenRate < o.UnsupportedTokenRate) continue;
            var missing = Grounding.Tokenize(e.Summary).Where(t => !e.Source.Contains(t, StringComparison.OrdinalIgnoreCase)).Distinct().Take(6);
            yield return new Finding(i, Kind, $"{g.UnsupportedContentTokens} of {g.ContentTokens} content tokens absent from the source " +
                $"({string.Join(", ", missing)})", 0.6 + 0.2 * g.UnsupportedTokenRate);
        }
    }
}
