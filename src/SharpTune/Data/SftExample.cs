namespace SharpTune.Data;

/// <summary>
/// A tokenized supervised example as alternating segments: prompt tokens (no loss) and answer tokens (loss),
/// kept apart from the start so the loss mask is structural.
/// </summary>
public sealed record SftExample(int Line, IReadOnlyList<(int[] Tokens, bool Train)> Segments)
{
    public int Length => Segments.Sum(s => s.Tokens.Length);

    /// <summary>The prompt was cut to fit --max-length (overflow truncate).</summary>
    public bool Cut { get; init; }

    public (int[] Ids, int[] Labels) Flatten()
    {
        var ids = new List<int>(Length);
        var labels = new List<int>(Length);
        foreach (var (tokens, train) in Segments)
        {
            ids.AddRange(tokens);
            labels.AddRange(train ? tokens : Enumerable.Repeat((int)Training.CausalLmLoss.IgnoreIndex, tokens.Length));
        }
        return (ids.ToArray(), labels.ToArray());
    }
}
