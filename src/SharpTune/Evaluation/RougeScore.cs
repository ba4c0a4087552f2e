namespace SharpTune.Evaluation;

/// <summary>Precision, recall and F1 of one ROUGE variant.</summary>
public readonly record struct RougeScore(double Precision, double Recall, double F1)
{
    public static RougeScore From(int overlap, int candidateCount, int referenceCount)
    {
        double p = candidateCount == 0 ? 0 : (double)overlap / candidateCount;
        double r = referenceCount == 0 ? 0 : (double)overlap / referenceCount;
        return new RougeScore(p, r, p + r == 0 ? 0 : 2 * p * r / (p + r));
    }
}
