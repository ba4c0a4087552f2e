namespace SharpTune.Evaluation;

/// <summary>One summary's support counts against its source (see <see cref="Grounding"/>).</summary>
public sealed record GroundingScore(int ContentTokens, int UnsupportedContentTokens, int Numbers, IReadOnlyList<string> UnsupportedNumbers,
                                    int Names, IReadOnlyList<string> UnsupportedNames)
{
    /// <summary>Share of content tokens absent from the source (0 when the summary has none).</summary>
    public double UnsupportedTokenRate => ContentTokens == 0 ? 0 : (double)UnsupportedContentTokens / ContentTokens;

    /// <summary>Whether any number or capitalised name in the summary is absent from the source.</summary>
    public bool HasUnsupportedNumberOrName => UnsupportedNumbers.Count > 0 || UnsupportedNames.Count > 0;
}
