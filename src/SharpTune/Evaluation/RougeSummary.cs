namespace SharpTune.Evaluation;

/// <summary>Corpus ROUGE: mean F1 over <see cref="Count"/> examples.</summary>
public sealed record RougeSummary(double Rouge1, double Rouge2, double RougeL, int Count);
