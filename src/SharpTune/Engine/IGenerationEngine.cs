using SharpTune.Models;
using SharpTune.Tokenization;

namespace SharpTune.Engine;

/// <summary>
/// What a server (or the IChatClient, or summarize) asks of a model: the engine/server split of vLLM. The engine
/// owns the model, its adapters and the decoding loop; callers hand it token ids and read back text as it becomes
/// safe to show. Implementations: a one-request-at-a-time engine (the reference) and the continuous-batching one.
/// </summary>
public interface IGenerationEngine : IDisposable
{
    /// <summary>Encodes prompts and decodes outputs; chat templates come from it.</summary>
    Tokenizer Tokenizer { get; }

    ModelConfig Config { get; }

    /// <summary>The longest prompt + completion, in tokens, the model takes.</summary>
    int ContextLength { get; }

    /// <summary>The base model's name (its folder name), what a request's model "base" means.</summary>
    string BaseName { get; }

    /// <summary>Names of the loaded adapters, each usable as <see cref="EngineRequest.Adapter"/>.</summary>
    IReadOnlyList<string> Adapters { get; }

    /// <summary>
    /// Queues a request and streams its output. Throws <see cref="EngineBusyException"/> at once when the queue is
    /// full, <see cref="IO.SharpTuneException"/> for a bad request (unknown adapter, prompt + max tokens over the
    /// context). Cancelling <paramref name="cancel"/> (a client that went away) frees the request's slot at once.
    /// The last item has a <see cref="EngineOutput.FinishReason"/>.
    /// </summary>
    IAsyncEnumerable<EngineOutput> Generate(EngineRequest request, CancellationToken cancel = default);
}
