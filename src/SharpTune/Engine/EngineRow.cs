using System.Threading.Channels;
using SharpTune.Generation;
using static TorchSharp.torch;

namespace SharpTune.Engine;

/// <summary>One request inside the <see cref="BatchingEngine"/>: its decoding state and the channel its output goes to.</summary>
internal sealed class EngineRow(EngineRequest request, IReadOnlyCollection<int> eos, Func<IReadOnlyList<int>, string> decode)
{
    public EngineRequest Request { get; } = request;
    public GenerationOptions Options => Request.Options;
    public int[] Prompt => Request.Prompt;
    public string? Adapter => Request.Adapter;
    public HashSet<int> Eos { get; } = eos.ToHashSet();
    public StreamingDetokenizer Text { get; } = new(decode, request.Options.StopStrings);
    public Channel<EngineOutput> Output { get; } = Channel.CreateUnbounded<EngineOutput>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    /// <summary>The row's own sampler: another row's draws never change this row's.</summary>
    public Generator? Rng { get; } = request.Options.DoSample ? new Generator((ulong)(request.Options.Seed ?? Random.Shared.NextInt64()), CPU) : null;

    /// <summary>Prompt and generated tokens, for the repetition penalty.</summary>
    public List<int> Seen { get; } = [.. request.Prompt];

    public int Generated { get; set; }
    /// <summary>The latest chosen token, fed to the model at the next step.</summary>
    public int Last { get; set; }
    /// <summary>Padding columns in front of this row in the shared cache.</summary>
    public long Pad { get; set; }
    public bool Finished { get; set; }
    /// <summary>True once the row no longer counts against the engine's in-flight bound (guarded by the engine's lock).</summary>
    public bool Released { get; set; }

    private volatile bool _cancelled;
    public bool Cancelled => _cancelled;
    public void MarkCancelled() => _cancelled = true;

    /// <summary>Set while the request waits in the queue (guarded by the engine's lock).</summary>
    public LinkedListNode<EngineRow>? QueueNode { get; set; }
    public CancellationTokenRegistration Registration { get; set; }
}
