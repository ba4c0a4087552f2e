using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using SharpTune.Generation;
using SharpTune.IO;
using TemplateMessage = SharpTune.Tokenization.ChatMessage;

namespace SharpTune.Engine;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over a local model: .NET code talks to SharpTune as to any
/// chat service, without HTTP. <see cref="ChatOptions.ModelId"/> picks the base or an adapter (as the server's
/// <c>model</c>: base name, adapter name, or base:adapter); none means <paramref name="defaultModel"/>, else the base.
/// Temperature null or 0 is greedy (a local model's output should be repeatable unless asked otherwise).
/// </summary>
public sealed class LocalChatClient(IGenerationEngine engine, string? defaultModel = null, bool ownsEngine = false) : IChatClient
{
    /// <summary>Completion budget when ChatOptions.MaxOutputTokens is not set (cut to what the context leaves).</summary>
    public int DefaultMaxTokens { get; init; } = 256;

    private readonly ChatClientMetadata _metadata = new("sharptune", null, defaultModel ?? engine.BaseName);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        ChatResponseUpdate? last = null;
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            text.Append(update.Text);
            last = update;
        }
        var usage = last?.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = last?.ModelId,
            ResponseId = last?.ResponseId,
            CreatedAt = last?.CreatedAt,
            FinishReason = last?.FinishReason,
            Usage = usage,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = options?.ModelId ?? defaultModel ?? engine.BaseName;
        if (!engine.TryResolve(model, out var adapter))
            throw new SharpTuneException($"model '{model}' is not loaded (expected one of: {string.Join(", ", ModelNames.All(engine))})");
        var prompt = EnginePrompts.Chat(engine.Tokenizer, messages.Select(m => new TemplateMessage(m.Role.Value, m.Text)));
        var request = new EngineRequest(prompt, Options(options, prompt.Length), adapter);
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow;
        await foreach (var piece in engine.Generate(request, cancellationToken))
        {
            var update = new ChatResponseUpdate(ChatRole.Assistant, piece.Text) { ModelId = model, ResponseId = id, MessageId = id, CreatedAt = created };
            if (piece.FinishReason is { } reason)
            {
                update.FinishReason = reason == "length" ? ChatFinishReason.Length : ChatFinishReason.Stop;
                update.Contents.Add(new UsageContent(new UsageDetails
                {
                    InputTokenCount = piece.PromptTokens,
                    OutputTokenCount = piece.CompletionTokens,
                    TotalTokenCount = piece.PromptTokens + piece.CompletionTokens,
                }));
            }
            yield return update;
        }
    }

    private GenerationOptions Options(ChatOptions? o, int promptTokens)
    {
        int room = engine.ContextLength - promptTokens;
        if (room < 1) throw new SharpTuneException($"the conversation is {promptTokens} tokens; the model's context is {engine.ContextLength} tokens");
        int max = o?.MaxOutputTokens ?? Math.Min(DefaultMaxTokens, room);
        if (max < 1) throw new SharpTuneException($"ChatOptions.MaxOutputTokens must be ≥ 1, got {max}");
        double temperature = o?.Temperature ?? 0;
        return new GenerationOptions
        {
            MaxNewTokens = max,
            DoSample = temperature > 0,
            Temperature = temperature > 0 ? temperature : 1.0,
            TopP = o?.TopP ?? 1.0,
            TopK = o?.TopK ?? 0,
            Seed = o?.Seed,
            StopStrings = o?.StopSequences?.ToArray() ?? [],
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType == typeof(IGenerationEngine) ? engine
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        if (ownsEngine) engine.Dispose();
    }
}
