using SharpTune.Cli.Commands;
using Spectre.Console.Cli;

namespace SharpTune.Cli;

/// <summary>The command tree, shared by Program and the tests.</summary>
public static class CliApp
{
    public static int Run(IEnumerable<string> args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("sharptune");
            config.AddCommand<DemoCommand>("demo").WithDescription("The main job: LoRA on the shipped base, ROUGE before/after, report.");
            config.AddCommand<GenerateCommand>("generate").WithDescription("Generate text (or ids) from a Hugging Face model folder.");
            config.AddCommand<InitCommand>("init").WithDescription("Write a randomly initialised model (seeded) in HF format.");
            config.AddCommand<InfoCommand>("info").WithDescription("Print a model's architecture, parameter count, dtype and memory.");
            config.AddCommand<CheckCommand>("check").WithDescription("Recompute reference outputs (logits, loss, greedy ids) and compare.");
            config.AddCommand<TokenizeCommand>("tokenize").WithDescription("Encode text to ids (JSON) or decode ids with a tokenizer.json.");
            config.AddCommand<TrainCommand>("train").WithDescription("Fine-tune with prompt-tuning, p-tuning, prefix-tuning, lora, unfreeze or full.");
            config.AddCommand<MergeCommand>("merge").WithDescription("Merge a LoRA adapter into the base weights (HF folder).");
            config.AddCommand<PerplexityCommand>("perplexity").WithDescription("Perplexity of a model on a text corpus (the definition pretraining reports).");
            config.AddCommand<PretrainCommand>("pretrain").WithDescription("Train a causal LM from scratch on a text corpus.");
            config.AddCommand<RecommendCommand>("recommend").WithDescription("Recommend a method, rank and data size from a sweep's measured curves, with the reasons.");
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
            });
            config.SetExceptionHandler((ex, _) => Errors.Report(ex));
        });
        // Spectre reads a lone "-" as an option prefix; the convention "- means stdin" is mapped to a marker.
        var list = args.Select(a => a == "-" ? TokenizeCommand.StdinMarker : a).ToList();
        try { list = ConfigFile.Expand(list); }
        catch (SharpTune.IO.SharpTuneException e) { return Errors.Report(e); }
        return app.Run(list);
    }
}
