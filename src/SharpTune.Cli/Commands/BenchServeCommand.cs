using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.Engine;
using SharpTune.Generation;
using SharpTune.IO;
using SharpTune.Recipes;
using SharpTune.Serving;
using SharpTune.Serving.Bench;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `bench serve`: the server under closed-loop load over real HTTP (loopback), 1, 4 and 16 concurrent clients, on the
/// shipped base with two adapters. Every available engine runs in the same process and the same run, so the batching
/// vs one-at-a-time ratio is measured under the same machine load.
/// </summary>
public sealed class BenchServeCommand : Command<BenchServeCommand.Settings>
{
    public const string AllEngines = "all";

    public sealed class Settings : CheckedSettings
    {
        [CommandOption("--model <DIR>")] [Description("Base model folder (default: the shipped models/sharptune-base).")]
        public string? Model { get; set; }

        [CommandOption("--adapter <NAME=DIR>")] [Description("Adapters to serve (repeatable; default: two seeded random LoRA adapters of rank 8, written to a temporary folder).")]
        [Matches(AdapterSpecs.Pattern, "NAME=DIR (the name without spaces, '=' or ':')")]
        public string[] Adapter { get; set; } = [];

        [CommandOption("--engine <KIND>")] [Description("serial, batching, or all (every engine this build has; the ratio needs both).")] [DefaultValue(AllEngines)]
        [OneOf(Engines.Serial, Engines.Batching, AllEngines)]
        public string Engine { get; set; } = AllEngines;

        [CommandOption("--clients <LIST>")] [Description("Concurrent client counts, comma-separated, each ≥ 1.")] [DefaultValue("1,4,16")] [Matches(@"[1-9]\d{0,3}(,[1-9]\d{0,3})*", "a comma-separated list of counts ≥ 1, e.g. 1,4,16")]
        public string Clients { get; set; } = "1,4,16";

        [CommandOption("--requests <N>")] [Description("Requests per client count (≥ 1; at least the client count is sent).")] [DefaultValue(48)] [ValidRange(1)]
        public int Requests { get; set; } = 48;

        [CommandOption("--max-tokens <N>")] [Description("Tokens generated per request (≥ 1; EOS ignored, so every request costs the same).")] [DefaultValue(32)] [ValidRange(1)]
        public int MaxTokens { get; set; } = 32;

        [CommandOption("--threads <N>")] [Description("Torch intra-op threads (≥ 1; default: all cores).")] [ValidRange(1)]
        public int? Threads { get; set; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        if (s.Threads is int t) TorchSharp.torch.set_num_threads(t);
        var model = s.Model ?? RepoPaths.BaseModel;
        if (!Directory.Exists(model)) throw new SharpTuneException($"--model {model}: folder not found");
        var clients = s.Clients.Split(',').Select(int.Parse).ToArray();
        var engines = s.Engine == AllEngines ? Engines.Available : [s.Engine];
        string? temp = null;
        var adapters = AdapterSpecs.Parse(s.Adapter);
        try
        {
            if (adapters.Count == 0)
            {
                temp = Directory.CreateTempSubdirectory("sharptune-bench-serve-").FullName;
                adapters = new Dictionary<string, string> { ["lora-a"] = Path.Combine(temp, "a"), ["lora-b"] = Path.Combine(temp, "b") };
                SyntheticLora.Write(model, adapters["lora-a"], seed: 1);
                SyntheticLora.Write(model, adapters["lora-b"], seed: 2);
            }
            var results = new List<ServeLoadResult>();
            foreach (var kind in engines)
                results.AddRange(RunEngine(kind, model, adapters, clients, s, cancel).GetAwaiter().GetResult());
            Print(results, engines, adapters.Count, s);
        }
        finally
        {
            if (temp is not null) Directory.Delete(temp, recursive: true);
        }
        return 0;
    }

    private static async Task<List<ServeLoadResult>> RunEngine(string kind, string model, IReadOnlyDictionary<string, string> adapters, int[] clients, Settings s, CancellationToken cancel)
    {
        using var engine = Engines.Open(kind, model, adapters, queueCapacity: Math.Max(64, clients.Max() * 2));
        await using var server = await OpenAIServer.StartAsync(engine, new ServeOptions { Port = 0 }, cancel: cancel);
        using var http = new HttpClient { BaseAddress = new Uri(server.Url + "/"), Timeout = TimeSpan.FromMinutes(30) };
        var models = ModelNames.All(engine).ToArray();
        // Warm-up: allocator, kernels, JIT of the HTTP path; not timed.
        await ServeLoad.Run(http, kind, models, Math.Min(2, clients.Max()), models.Length, 4, cancel);
        var results = new List<ServeLoadResult>();
        foreach (var c in clients)
            results.Add(await ServeLoad.Run(http, kind, models, c, Math.Max(s.Requests, c), s.MaxTokens, cancel));
        return results;
    }

    private static void Print(List<ServeLoadResult> results, string[] engines, int adapterCount, Settings s)
    {
        var table = new Table().AddColumn("engine").AddColumn("clients").AddColumn("requests").AddColumn("req/s").AddColumn("tokens/s")
            .AddColumn("p50 latency").AddColumn("p95 latency");
        foreach (var r in results)
            table.AddRow(r.Engine, r.Clients.ToString(), r.Requests.ToString(), $"{r.RequestsPerSecond:F2}", $"{r.TokensPerSecond:F1}", $"{r.P50:F3} s", $"{r.P95:F3} s");
        var output = Output.Current();
        output.WriteLine($"bench serve: base + {adapterCount} adapters, {s.MaxTokens} tokens per request (greedy, EOS ignored), chat over HTTP on loopback, " +
                         $"{TorchSharp.torch.get_num_threads()} torch threads");
        output.Write(table);
        var serial = results.Where(r => r.Engine == Engines.Serial).ToDictionary(r => r.Clients);
        var batching = results.Where(r => r.Engine == Engines.Batching).ToDictionary(r => r.Clients);
        if (serial.Count > 0 && batching.Count > 0)
            foreach (var c in serial.Keys.Where(batching.ContainsKey))
                output.WriteLine($"continuous batching / one-at-a-time at {c} clients: {batching[c].RequestsPerSecond / serial[c].RequestsPerSecond:F2}x requests/s");
        else if (engines.Length == 1 && s.Engine == AllEngines)
            output.WriteLine($"(only the {engines[0]} engine is in this build: no batching/serial ratio)");
        output.WriteLine($"peak RSS {PeakMemory.Format(PeakMemory.PeakRssBytes())}");
    }
}
