namespace SharpTune.Audit;

/// <summary>
/// The audit's thresholds (README "Dataset audit" documents each). Defaults are what the measured precision and
/// recall in the README were taken at.
/// </summary>
public sealed record AuditOptions
{
    /// <summary>Word shingle length for near-duplicate detection.</summary>
    public int ShingleWords { get; init; } = 3;
    /// <summary>Near duplicates: Jaccard similarity of the word-shingle sets at or above this.</summary>
    public double NearDuplicateJaccard { get; init; } = 0.8;
    /// <summary>
    /// LSH bands × rows = MinHash functions. With 20 × 5 a pair at Jaccard 0.8 becomes a candidate with probability
    /// 1 − (1 − 0.8⁵)²⁰ = 0.9997, at 0.5 with 0.47; every candidate is then checked on its exact Jaccard.
    /// </summary>
    public int LshBands { get; init; } = 20;
    public int LshRows { get; init; } = 5;
    /// <summary>Same source, different answer: answers whose ROUGE-L F1 with each other is below this conflict.</summary>
    public double ConflictMaxRougeL { get; init; } = 0.5;
    /// <summary>Length-ratio outliers: |robust z| of log(answer chars / source chars) at or above this (Iglewicz–Hoaglin 3.5).</summary>
    public double LengthRatioZ { get; init; } = 3.5;
    /// <summary>Unsupported label: share of the answer's content tokens absent from its source at or above this …</summary>
    public double UnsupportedTokenRate { get; init; } = 1.0;
    /// <summary>… with at least this many content tokens (a one-word answer says too little to judge).</summary>
    public int UnsupportedMinContentTokens { get; init; } = 3;
    /// <summary>Other script: at least this many letters, most of them in a script that is not the data's majority.</summary>
    public int ScriptMinLetters { get; init; } = 4;
    /// <summary>Copied answer: the answer is a prefix of the source (or the source itself), with at least this many words.</summary>
    public int CopiedMinWords { get; init; } = 3;
    /// <summary>Model ranking: examples whose combined rank (loss and 1 − ROUGE-L) is in this top share are flagged.</summary>
    public double ModelFlagShare { get; init; } = 0.05;
    /// <summary>--write-clean drops examples whose audit score is at or above this.</summary>
    public double CleanMinScore { get; init; } = 0.5;
    /// <summary>The prompt template (its answer marker is what a format injection imitates).</summary>
    public string PairTemplate { get; init; } = Data.SftDataOptions.DefaultPairTemplate;
}
