using SharpTune.Cli.Commands;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli;

/// <summary>The command tree, shared by Program and the tests.</summary>
public static class CliApp
{
    /// <summary>Every command by its path, for --config expansion and the option checks that need the settings type.</summary>
    public static readonly IReadOnlyList<(string Path, Type Command)> Commands =
    [
        ("demo", typeof(DemoCommand)), ("generate", typeof(GenerateCommand)), ("init", typeof(InitCommand)), ("info", typeof(InfoCommand)),
        ("check", typeof(CheckCommand)), ("tokenize", typeof(TokenizeCommand)), ("train", typeof(TrainCommand)), ("merge", typeof(MergeCommand)), ("export", typeof(ExportCommand)),
        ("perplexity", typeof(PerplexityCommand)), ("eval", typeof(EvalCommand)), ("score", typeof(ScoreCommand)),
        ("sweep", typeof(SweepCommand)), ("sweep status", typeof(SweepStatusCommand)), ("sweep-trial", typeof(SweepTrialCommand)), ("store migrate", typeof(StoreMigrateCommand)), ("trial", typeof(TrialCommand)), ("report", typeof(ReportCommand)), ("recommend", typeof(RecommendCommand)), ("pretrain", typeof(PretrainCommand)), ("tokenizer train", typeof(TokenizerTrainCommand)),
        ("corpus debian", typeof(CorpusDebianCommand)), ("bench train", typeof(BenchTrainCommand)), ("bench generate", typeof(BenchGenerateCommand)), ("bench serve", typeof(BenchServeCommand)), ("bench compare", typeof(BenchCompareCommand)),
        ("serve", typeof(ServeCommand)),
        ("runs list", typeof(RunsListCommand)), ("runs show", typeof(RunsShowCommand)), ("runs compare", typeof(RunsCompareCommand)),
        ("extract", typeof(ExtractCommand)), ("summarize", typeof(SummarizeCommand)),
        ("data audit", typeof(DataAuditCommand)), ("data plant", typeof(DataPlantCommand)),
    ];

    /// <summary>The settings type of a command class (the T of Command&lt;T&gt;).</summary>
    public static Type SettingsOf(Type command)
    {
        for (var t = command; t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Command<>)) return t.GetGenericArguments()[0];
        throw new ArgumentException($"{command} is not a Command<TSettings>");
    }

    /// <summary>The command named by the leading arguments ("bench train …"), or null.</summary>
    public static (string Path, Type Settings)? Find(IReadOnlyList<string> args)
    {
        foreach (var (path, command) in Commands.OrderByDescending(c => c.Path.Length))
        {
            var words = path.Split(' ');
            if (args.Count >= words.Length && words.Select((w, i) => args[i] == w).All(b => b)) return (path, SettingsOf(command));
        }
        return null;
    }

    public static int Run(IEnumerable<string> args)
    {
        try
        {
            var app = new CommandApp();
            app.Configure(config =>
            {
                config.SetApplicationName("sharptune");
                config.ConfigureConsole(Output.Current()); // help goes to the current Console.Out (tests redirect it)
                config.AddCommand<DemoCommand>("demo").WithDescription("The main job: LoRA on the shipped base, ROUGE before/after, report.");
                config.AddCommand<GenerateCommand>("generate").WithDescription("Generate text (or ids) from a Hugging Face model folder.");
                config.AddCommand<InitCommand>("init").WithDescription("Write a randomly initialised model (seeded) in HF format.");
                config.AddCommand<InfoCommand>("info").WithDescription("Print a model's architecture, parameter count, dtype and memory.");
                config.AddCommand<CheckCommand>("check").WithDescription("Recompute reference outputs (logits, loss, greedy ids) and compare.");
                config.AddCommand<TokenizeCommand>("tokenize").WithDescription("Encode text to ids (JSON) or decode ids with a tokenizer.json.");
                config.AddCommand<TrainCommand>("train").WithDescription("Fine-tune with prompt-tuning, p-tuning, prefix-tuning, lora, unfreeze or full.");
                config.AddCommand<MergeCommand>("merge").WithDescription("Merge a LoRA adapter into the base weights (HF folder).");
                config.AddCommand<ExportCommand>("export").WithDescription("Write a model (+ merged LoRA adapter) as a GGUF file for llama.cpp, Ollama or LLamaSharp.");
                config.AddCommand<EvalCommand>("eval").WithDescription("Quality, hallucination, prompt-injection and memorisation metrics of a model (+ adapter) on dev pairs.");
                config.AddBranch("sweep", sweep =>
                {
                    sweep.SetDescription("Run a grid of trials (train + eval, each in its own process), resumable; here or as one Slurm job array (--executor slurm).");
                    sweep.SetDefaultCommand<SweepCommand>();
                    sweep.AddCommand<SweepStatusCommand>("status").WithDescription("A sweep's progress (store and Slurm queue); refreshes DIR/trials.jsonl.");
                });
                config.AddCommand<SweepTrialCommand>("sweep-trial").WithDescription("One trial of a cluster sweep by index (what each Slurm array task / k8s pod runs).");
                config.AddBranch("store", st =>
                {
                    st.SetDescription("Experiment store maintenance.");
                    st.AddCommand<StoreMigrateCommand>("migrate").WithDescription("Copy every run (and its steps) from one store to another, e.g. SQLite → PostgreSQL.");
                });
                config.AddCommand<ReportCommand>("report").WithDescription("A sweep's self-contained HTML report with plots (quality vs rank and data size, risks, cost vs quality).");
                config.AddCommand<RecommendCommand>("recommend").WithDescription("Recommend a method, rank and data size from a sweep's measured curves, with the reasons.");
                config.AddCommand<TrialCommand>("trial").WithDescription("One sweep trial: train with these options, evaluate on dev pairs, write --result JSON.");
                config.AddCommand<ScoreCommand>("score").WithDescription("The model-free metrics of eval for predictions made by any system.");
                config.AddCommand<PerplexityCommand>("perplexity").WithDescription("Perplexity of a model on a text corpus (the definition pretraining reports).");
                config.AddCommand<ServeCommand>("serve").WithDescription("OpenAI-compatible HTTP API (chat, completions, summarize) over a base model and its adapters.");
                config.AddCommand<SummarizeCommand>("summarize").WithDescription("Retell HTML pages, transcripts (.srt, .vtt) or text with a model (+ adapter): map-reduce over chunks that fit its context.");
                config.AddCommand<ExtractCommand>("extract").WithDescription("Print the cleaned text summarize reads from a page, transcript or text file.");
                config.AddCommand<PretrainCommand>("pretrain").WithDescription("Train a causal LM from scratch on a text corpus.");
                config.AddBranch("tokenizer", t =>
                {
                    t.SetDescription("Tokenizer tools.");
                    t.AddCommand<TokenizerTrainCommand>("train").WithDescription("Train a byte-level BPE tokenizer (writes tokenizer.json).");
                });
                config.AddBranch("corpus", c =>
                {
                    c.SetDescription("Corpus preparation.");
                    c.AddCommand<CorpusDebianCommand>("debian").WithDescription("Write {source, summary} pairs as Debian control stanzas.");
                });
                config.AddBranch("bench", bench =>
                {
                    bench.SetDescription("Measure speed and memory.");
                    bench.AddCommand<BenchTrainCommand>("train").WithDescription("Training tokens/s, MFU and peak RSS for LoRA and full fine-tuning.");
                    bench.AddCommand<BenchGenerateCommand>("generate").WithDescription("Greedy decoding tokens/s, KV cache vs full recompute, peak RSS.");
                    bench.AddCommand<BenchCompareCommand>("compare").WithDescription("SharpTune vs a plain PyTorch reference (bench/pytorch), alternating: tokens/s, ratio, peak RSS.");
                    bench.AddCommand<BenchServeCommand>("serve").WithDescription("The HTTP server under 1, 4 and 16 concurrent clients: requests/s, p50/p95 latency, batching vs serial.");
                });
                config.AddBranch("data", data =>
                {
                    data.SetDescription("Training data tools.");
                    data.AddCommand<DataAuditCommand>("audit").WithDescription("Find examples that teach bad habits: duplicates, leakage, broken or copied answers, outliers, other scripts, unsupported labels, injections, and (--model) likely label errors by cross-validated LoRA.");
                    data.AddCommand<DataPlantCommand>("plant").WithDescription("Copy a data set with errors of known kinds planted (swapped, truncated, conflicting answers, injections), to measure the audit.");
                });
                config.AddBranch("runs", runs =>
                {
                    runs.SetDescription("Query the experiment store (runs/sharptune.db, --store FILE|postgresql://… or $SHARPTUNE_STORE).");
                    runs.AddCommand<RunsListCommand>("list").WithDescription("List recorded runs, oldest first (--sweep, --status, --json).");
                    runs.AddCommand<RunsShowCommand>("show").WithDescription("One run: settings, provenance, metrics, training curve summary.");
                    runs.AddCommand<RunsCompareCommand>("compare").WithDescription("Runs side by side: the settings that differ and the key metrics.");
                });
                // A misspelled option is an error, not a silently ignored "remaining argument" (train --rnak 64 used to train rank 8).
                config.UseStrictParsing();
                // Every failure comes back here, to the one boundary; Spectre never prints an exception itself.
                config.PropagateExceptions();
            });
            // Spectre reads a lone "-" as an option prefix; the convention "- means stdin" is mapped to a marker.
            var list = args.Select(a => a == "-" ? TokenizeCommand.StdinMarker : a).ToList();
            list = ConfigFile.Expand(list);
            // sbatch options start with "--"; "--slurm-opt '--qos=short'" is one option with that value, not two options.
            for (int i = 0; i + 1 < list.Count; i++)
                if (list[i] == "--slurm-opt") { list[i] = "--slurm-opt=" + list[i + 1]; list.RemoveAt(i + 1); }
            if (Find(list) is { } command && !list.Any(a => a is "-h" or "--help" or "-?"))
                OptionScan.Check(command.Path, command.Settings, list.Skip(command.Path.Split(' ').Length).ToList());
            return app.Run(list);
        }
        catch (Exception e)
        {
            return Errors.Report(e);
        }
    }
}
