using System.ComponentModel;
using SharpTune.Cli.Options;
using SharpTune.Engine;
using SharpTune.Models;
using SharpTune.Serving;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>`sharptune serve`: the OpenAI-compatible API over a base model and its adapters, until Ctrl-C.</summary>
public sealed class ServeCommand : Command<ServeCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--adapter <NAME=DIR>")] [Description("A PEFT adapter to serve under NAME (repeatable); clients ask for NAME or BASE:NAME.")]
        [Matches(AdapterSpecs.Pattern, "NAME=DIR (the name without spaces, '=' or ':')")]
        public string[] Adapter { get; set; } = [];

        [CommandOption("--host <ADDR>")] [Description("IP address to listen on; 127.0.0.1 (default) is this machine only, 0.0.0.0 every interface.")] [DefaultValue("127.0.0.1")]
        public string Host { get; set; } = "127.0.0.1";

        [CommandOption("--port <N>")] [Description("TCP port in [[0, 65535]] (0 picks a free one).")] [DefaultValue(8000)] [ValidRange(0, 65535)]
        public int Port { get; set; } = 8000;

        [CommandOption("--api-key <KEY>")] [Description("Require 'Authorization: Bearer KEY' on every /v1 request (default: $SHARPTUNE_API_KEY, else no key).")]
        public string? ApiKey { get; set; }

        [CommandOption("--queue <N>")] [Description("Requests that may wait for the engine (≥ 0; ≥ 1 for batching): behind the running request (serial) or for a free batch row (batching); beyond that clients get 429 with Retry-After.")] [DefaultValue(64)] [ValidRange(0)]
        public int Queue { get; set; } = 64;

        [CommandOption("--engine <KIND>")] [Description("batching (continuous batching, the default) or serial (one request at a time).")] [DefaultValue(Engines.Default)] [OneOf(Engines.Serial, Engines.Batching)]
        public string Engine { get; set; } = Engines.Default;

        [CommandOption("--max-body-bytes <N>")] [Description("Largest request body accepted (≥ 1024 bytes); larger ones get 413.")] [DefaultValue(4L << 20)] [ValidRange(1024)]
        public long MaxBodyBytes { get; set; } = 4 << 20;

        [CommandOption("--max-tokens <N>")] [Description("Chat completion budget when a request sets no max_tokens (≥ 1).")] [DefaultValue(256)] [ValidRange(1)]
        public int MaxTokens { get; set; } = 256;

        [CommandOption("--quiet")] [Description("Do not log one line per request to stderr.")]
        public bool Quiet { get; set; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var adapters = AdapterSpecs.Parse(s.Adapter);
        using var stop = Cancellation.Listen(cancel, stopping: "stopping the server");
        using var engine = Engines.Open(s.Engine, s.Model, adapters, s.Queue, Devices.Parse(s.Device), ModelIO.ParseDType(s.DType));
        var options = new ServeOptions
        {
            Host = s.Host, Port = s.Port, ApiKey = s.ApiKey ?? NonEmpty(Environment.GetEnvironmentVariable("SHARPTUNE_API_KEY")),
            MaxBodyBytes = s.MaxBodyBytes, DefaultMaxTokens = s.MaxTokens,
            Tasks = ServeOptions.TasksOf(engine.BaseName, s.Model, adapters),
        };
        Action<string>? log = s.Quiet ? null : line => Console.Error.WriteLine(line);
        var server = OpenAIServer.StartAsync(engine, options, log, stop.Token).GetAwaiter().GetResult();
        try
        {
            Console.Error.WriteLine($"serving {string.Join(", ", ModelNames.All(engine))} ({s.Engine} engine) at {server.Url}/v1" +
                                    $"{(options.ApiKey is null ? "" : " (API key required)")}; Ctrl-C stops");
            try { Task.Delay(Timeout.Infinite, stop.Token).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { }
            server.StopAsync().GetAwaiter().GetResult();
            Console.Error.WriteLine("server stopped");
        }
        finally { server.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
        return stop.ExitCode;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
