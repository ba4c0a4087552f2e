namespace SharpTune.Evaluation;

/// <summary>
/// chrF's sufficient statistics: for each character n-gram order, the hypothesis n-grams, the reference n-grams
/// and their clipped matches. Corpus chrF sums these over sentences before computing one F-score.
/// </summary>
public sealed class ChrfStatistics
{
    public long[] Hypothesis { get; }
    public long[] Reference { get; }
    public long[] Matches { get; }

    public ChrfStatistics(int order)
    {
        Hypothesis = new long[order]; Reference = new long[order]; Matches = new long[order];
    }

    public int Order => Hypothesis.Length;

    public void Add(ChrfStatistics other)
    {
        for (int i = 0; i < Order; i++)
        {
            Hypothesis[i] += other.Hypothesis[i]; Reference[i] += other.Reference[i]; Matches[i] += other.Matches[i];
        }
    }
}
