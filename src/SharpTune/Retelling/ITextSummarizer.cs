namespace SharpTune.Retelling;

/// <summary>What map-reduce needs of a model: how big a text is as its prompt, how big a prompt may be, and a batch of summaries.</summary>
public interface ITextSummarizer
{
    /// <summary>Most tokens a prompt (template + text) may have, leaving room for the answer in the context.</summary>
    int PromptBudget { get; }

    /// <summary>Tokens of the prompt this text makes.</summary>
    int PromptTokens(string text);

    /// <summary>One summary per text, in order (batched: the model runs several together); `done` gets the count finished so far.</summary>
    IReadOnlyList<string> Summarize(IReadOnlyList<string> texts, Action<int>? done = null, CancellationToken cancel = default);
}
