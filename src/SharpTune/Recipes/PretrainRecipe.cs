using System.Text.Json;
using System.Text.Json.Nodes;
using SharpTune.Evaluation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Training;

namespace SharpTune.Recipes;

/// <summary>
/// Causal-LM pretraining from scratch: random init from a config, packed blocks of the corpus, the shared
/// trainer (checkpoints, resume, schedule), then an HF model folder with the tokenizer beside it.
/// </summary>
public static class PretrainRecipe
{
    public sealed record Outcome(TrainResult Result, long CorpusTokens, double? DevLoss, long Parameters);

    public static Outcome Run(PretrainOptions o, Action<string>? log = null, Action<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        o.Trainer.Validate();
        var inputs = new List<(string, string?)> { ("--config", o.ConfigPath), ("--tokenizer", o.TokenizerDir) };
        inputs.AddRange(o.DataFiles.Select(f => ("--data", (string?)f)).Concat(o.DevFiles.Select(f => ("--dev-data", (string?)f))));
        OutputFolder.CheckRun(o.Trainer.OutDir, o.Trainer.Resume, o.Trainer.Force, inputs);
        if (o.Trainer.Resume) Checkpoint.Require(o.Trainer.OutDir);
        var device = Devices.Parse(o.Device);
        var config = ModelConfig.Load(o.ConfigPath);
        var tok = Tokenizer.Load(o.TokenizerDir);
        if (tok.VocabSize > config.VocabSize)
            throw new SharpTuneException($"{o.ConfigPath}: vocab_size {config.VocabSize} is smaller than the tokenizer's {tok.VocabSize} tokens");
        int eot = tok.EosTokenId ?? throw new SharpTuneException($"{o.TokenizerDir}: tokenizer_config.json names no eos_token (needed between documents)");

        log?.Invoke("tokenizing corpus…");
        var train = new PackedLmSource(o.DataFiles.SelectMany(TextCorpus.Documents).AsParallel().AsOrdered().Select(d => tok.Encode(d, false)),
            eot, o.BlockSize, o.BatchSize, o.Trainer.Seed, device);
        PackedLmSource? dev = o.DevFiles.Count == 0 ? null : CorpusPerplexity.Source(o.DevFiles.SelectMany(TextCorpus.Documents), tok, o.BlockSize, device);
        log?.Invoke($"corpus: {train.TotalTokens:N0} tokens in {train.Blocks:N0} blocks of {o.BlockSize}" + (dev is null ? "" : $"; dev: {dev.TotalTokens:N0} tokens"));
        // After the inputs were read (a missing file is its reader's error), before anything is written.
        var fingerprint = Fingerprint(o);
        if (o.Trainer.Resume) fingerprint.CheckResume(o.Trainer.OutDir, Checkpoint.ReadState(Checkpoint.Require(o.Trainer.OutDir)).Fingerprint);

        using var model = ModelIO.Create(config, device);
        ModelIO.Initialize(model, o.Trainer.Seed);
        var trainable = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        log?.Invoke($"model: {model.ParameterCount():N0} trainable parameters; optimizer state {2 * model.ParameterCount() * 4 / 1048576.0:F1} MiB");
        int evalBatches = Math.Max(1, o.EvalBlocks / 8);
        OutputFolder.StartRun(o.Trainer.OutDir, o.Trainer.Resume, o.Trainer.Force, inputs);
        var run = new Dictionary<string, object?> { ["parameters"] = model.ParameterCount(), ["corpus_tokens"] = train.TotalTokens, ["options"] = o, ["fingerprint"] = fingerprint };
        RunJson.Write(o.Trainer.OutDir, run);
        var trainer = new Trainer(trainable, b => CausalLmLoss.Compute(model.Forward(b.InputIds), b.Labels), t => model.train(t), train,
            dev is null ? null : () => dev.Sequential().Take(evalBatches), o.Trainer with { Fingerprint = fingerprint });
        var result = trainer.Run(progress, cancel);
        RunJson.WriteOutcome(o.Trainer.OutDir, run, result);

        double? devLoss = dev is null ? null : CorpusPerplexity.Compute(model, dev).Loss;
        ModelIO.Save(model, o.Trainer.OutDir);
        CopyCompanions(o.TokenizerDir, o.Trainer.OutDir);
        var gen = new JsonObject { ["eos_token_id"] = new JsonArray(new[] { tok.EosTokenId, tok.TokenToId("<|im_end|>") }.Where(i => i is not null).Select(i => (JsonNode)i!.Value).ToArray()) };
        if (tok.PadTokenId is int pad) gen["pad_token_id"] = pad;
        AtomicFile.WriteAllText(Path.Combine(o.Trainer.OutDir, "generation_config.json"), gen.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var outcome = new Outcome(result, train.TotalTokens, devLoss, model.ParameterCount());
        WriteModelCard(o, config, outcome, tok);
        return outcome;
    }


    /// <summary>
    /// What defines this run (see <see cref="RunFingerprint"/>): the options except paths, device and what
    /// <see cref="TrainerOptions.NotInFingerprint"/> lists, and the bytes of the config, tokenizer and every corpus file.
    /// </summary>
    public static RunFingerprint Fingerprint(PretrainOptions o)
    {
        var names = new Dictionary<string, string> { ["BlockSize"] = "--block-size", ["BatchSize"] = "--batch-size", ["EvalBlocks"] = "eval blocks" }
            .Concat(TrainerOptions.OptionNames.Select(kv => KeyValuePair.Create("Trainer." + kv.Key, kv.Value))).ToDictionary();
        string[] excluded = ["ConfigPath", "TokenizerDir", "DataFiles", "DevFiles", "Device", .. TrainerOptions.NotInFingerprint.Select(n => "Trainer." + n)];
        static IEnumerable<(string, string)> Numbered(string option, IReadOnlyList<string> files) =>
            files.Select((f, i) => (files.Count == 1 ? option : $"{option} #{i + 1}", f));
        var files = new List<(string, string)> { ("--model-config", o.ConfigPath) };
        files.AddRange(RunFingerprint.FolderFiles("--tokenizer", o.TokenizerDir, Tokenizer.FileName, Tokenizer.ConfigFileName));
        files.AddRange(Numbered("--data", o.DataFiles));
        files.AddRange(Numbered("--dev-data", o.DevFiles));
        return RunFingerprint.Create(o, names, excluded, files);
    }

    /// <summary>README.md beside the weights: corpus, config, tokens seen, training time, dev perplexity.</summary>
    private static void WriteModelCard(PretrainOptions o, ModelConfig c, Outcome r, Tokenizer tok)
    {
        var t = o.Trainer;
        string elapsed = r.Result.Elapsed.ToString(@"hh\:mm\:ss");
        string dev = r.DevLoss is double d ? $"{d:F4} / {Math.Exp(d):F2}" : "n/a";
        var card = $"""
            # {Path.GetFileName(Path.GetFullPath(t.OutDir))}

            A small {c.ModelType} causal language model pretrained from scratch by SharpTune (`sharptune pretrain`), in Hugging Face format.

            | | |
            |---|---|
            | parameters | {r.Parameters:N0} ({c.NumLayers} layers, hidden {c.HiddenSize}, {c.NumHeads} heads / {c.NumKvHeads} KV heads, MLP {c.IntermediateSize}, tied embeddings) |
            | tokenizer | byte-level BPE, {tok.VocabSize:N0} tokens, trained by `sharptune tokenizer train` on the same corpus |
            | corpus | {string.Join(", ", o.DataFiles.Select(Path.GetFileName))}: {r.CorpusTokens:N0} tokens |
            | context | blocks of {o.BlockSize} tokens, batch {o.BatchSize} |
            | optimisation | AdamW, peak lr {t.LearningRate}, {t.WarmupSteps} warm-up steps, {t.Schedule} to {t.MinLrRatio}× peak, weight decay {t.WeightDecay}, clip {t.MaxGradNorm} |
            | steps | {r.Result.Steps:N0} |
            | tokens seen | {r.Result.TokensSeen:N0} ({(double)r.Result.TokensSeen / r.CorpusTokens:F2} epochs) |
            | training time | {elapsed} on this machine's CPU (fp32) |
            | final training loss | {r.Result.Losses.LastOrDefault():F4} |
            | dev loss / perplexity | {dev} ({string.Join(", ", o.DevFiles.Select(Path.GetFileName))}) |

            Generated by SharpTune's pretraining recipe.
            """;
        AtomicFile.WriteAllText(Path.Combine(t.OutDir, "README.md"), card.Replace("\r", "") + "\n");
    }

    /// <summary>
    /// Copies the files that travel with a model folder: the tokenizer files (from <paramref name="tokenizerFrom"/>
    /// when given) and generation_config.json (from <paramref name="from"/>), each when present.
    /// </summary>
    public static void CopyCompanions(string from, string to, string? tokenizerFrom = null)
    {
        foreach (var (dir, f) in new[] { (tokenizerFrom ?? from, Tokenizer.FileName), (tokenizerFrom ?? from, Tokenizer.ConfigFileName), (from, "generation_config.json") })
        {
            var src = Path.Combine(dir, f);
            if (File.Exists(src) && Path.GetFullPath(src) != Path.GetFullPath(Path.Combine(to, f)))
                AtomicFile.WriteAllBytes(Path.Combine(to, f), File.ReadAllBytes(src));
        }
    }
}
