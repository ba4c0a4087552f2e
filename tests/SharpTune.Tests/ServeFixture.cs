using SharpTune.Adapters;
using SharpTune.Engine;
using SharpTune.Generation;
using SharpTune.Serving;
using SharpTune.Serving.Bench;
using SharpTune.Tokenization;

namespace SharpTune.Tests;

/// <summary>
/// A real server (Kestrel on a free loopback port) over the shipped base and two LoRA adapters, shared by the serve
/// tests; one fixture per engine. Queue of 2: <see cref="Rows"/> running and two waiting are accepted, one more is 429.
/// </summary>
public abstract class ServeFixture : IAsyncLifetime
{
    public const string Key = "test-key-123";
    public const int Queue = 2;

    /// <summary>Requests the engine runs at once.</summary>
    public abstract int Rows { get; }
    protected abstract IGenerationEngine Open(IReadOnlyDictionary<string, string> adapters);
    public static string BaseDir => Path.Combine(Shared.RepoRoot, "models", "sharptune-base");
    public string BaseName => Engine.BaseName;
    public IReadOnlyDictionary<string, string> AdapterDirs { get; private set; } = new Dictionary<string, string>();
    public IGenerationEngine Engine { get; private set; } = null!;
    public OpenAIServer Server { get; private set; } = null!;
    public Uri V1 => new(Server.Url + "/v1");
    public long MaxBody => 256 * 1024;

    public async Task InitializeAsync()
    {
        var dir = Shared.TempDir();
        AdapterDirs = new Dictionary<string, string> { ["lora-a"] = Path.Combine(dir, "a"), ["lora-b"] = Path.Combine(dir, "b") };
        SyntheticLora.Write(BaseDir, AdapterDirs["lora-a"], seed: 1);
        SyntheticLora.Write(BaseDir, AdapterDirs["lora-b"], seed: 2);
        Engine = Open(AdapterDirs);
        Server = await OpenAIServer.StartAsync(Engine, new ServeOptions { Port = 0, ApiKey = Key, MaxBodyBytes = MaxBody });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Engine.Dispose();
    }

    public HttpClient Http(string? key = Key)
    {
        var http = new HttpClient { BaseAddress = new Uri(Server.Url + "/"), Timeout = TimeSpan.FromMinutes(2) };
        if (key is not null) http.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return http;
    }

    /// <summary>
    /// The one-at-a-time reference, without engine or server: the model (+ adapter) loaded on its own, the user turn
    /// through the chat template, greedy decoding with the model's EOS ids.
    /// </summary>
    public static string Reference(string? adapterDir, string user, int maxTokens, IReadOnlyList<string>? stop = null)
    {
        var tok = Tokenizer.Load(BaseDir);
        using var model = TrainedModel.Load(BaseDir, adapterDir);
        var eos = model.Base.Config.EosTokenIds.Concat(GenerationConfig.EosIds(BaseDir)).Append(tok.EosTokenId!.Value).Distinct().ToArray();
        var prompt = tok.Encode(tok.Render([new ChatMessage("user", user)], addGenerationPrompt: true), addSpecialTokens: false);
        using var _ = TorchSharp.torch.no_grad();
        var gen = new TextGenerator(model.Model, ids => tok.Decode(ids, skipSpecialTokens: true));
        return gen.Generate([prompt], new GenerationOptions { MaxNewTokens = maxTokens, EosTokenIds = eos, PadTokenId = 3, StopStrings = stop ?? [] })[0].Text!;
    }
}

public sealed class SerialServeFixture : ServeFixture
{
    public override int Rows => 1;
    protected override IGenerationEngine Open(IReadOnlyDictionary<string, string> adapters) => Engines.Open(Engines.Serial, BaseDir, adapters, Queue);
}

/// <summary>Two rows at most, so the 429 test fills the engine with four long requests.</summary>
public sealed class BatchingServeFixture : ServeFixture
{
    public override int Rows => 2;
    protected override IGenerationEngine Open(IReadOnlyDictionary<string, string> adapters) => Engines.Open(Engines.Batching, BaseDir, adapters, Queue, maxRunningRows: Rows);
}
