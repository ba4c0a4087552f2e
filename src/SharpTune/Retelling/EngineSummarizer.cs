using SharpTune.Engine;
using SharpTune.Generation;

namespace SharpTune.Retelling;

/// <summary>
/// Map-reduce's model when a server holds it: the same prompts and settings as <see cref="ModelSummarizer"/> (the
/// task's pair template around the text, greedy, the task's stop strings and answer budget), sent to an
/// <see cref="IGenerationEngine"/> so a page's chunks join the running batch beside other clients' requests.
/// At most <c>parallel</c> chunks are in flight at once, so one long page cannot fill the engine's queue alone.
/// </summary>
public sealed class EngineSummarizer(IGenerationEngine engine, string? adapter, Data.TaskSettings task, int context, int parallel = 4, CancellationToken cancel = default)
    : ITextSummarizer
{
    private readonly SummaryPrompts _prompts = new(engine.Tokenizer, task.PairTemplate);

    public int PromptBudget { get; } = context - task.MaxNewTokens;

    public int PromptTokens(string text) => Prompt(text).Length;

    private int[] Prompt(string text) => _prompts.Encode(text);

    public IReadOnlyList<string> Summarize(IReadOnlyList<string> texts, Action<int>? done = null, CancellationToken cancelCall = default)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancel, cancelCall);
        var gate = new SemaphoreSlim(parallel);
        int finished = 0;
        var options = new GenerationOptions { MaxNewTokens = task.MaxNewTokens, StopStrings = task.Stop };
        async Task<string> One(string text)
        {
            await gate.WaitAsync(both.Token);
            try
            {
                var sb = new System.Text.StringBuilder();
                await foreach (var piece in engine.Generate(new EngineRequest(Prompt(text), options, adapter), both.Token)) sb.Append(piece.Text);
                done?.Invoke(Interlocked.Increment(ref finished));
                return SummaryPrompts.OneLine(sb.ToString());
            }
            finally { gate.Release(); }
        }
        return Task.WhenAll(texts.Select(One)).GetAwaiter().GetResult();
    }
}
