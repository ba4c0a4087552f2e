using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Training;

namespace SharpTune.Recipes;

/// <summary>
/// Supervised fine-tuning with any method: load base + tokenizer, build the examples (all input errors
/// surface here, before training), wrap the base with the method, train, save (adapter or full model).
/// </summary>
public static class FineTuneRecipe
{
    /// <summary>What a run is about to do; Truncated/Skipped count the training examples over --max-length.</summary>
    public sealed record Setup(int Examples, int DevExamples, long TrainableParameters, long TotalParameters, long OptimizerStateBytes, string Method,
        int Truncated = 0, int Skipped = 0);

    public sealed record Outcome(Setup Setup, TrainResult Result);

    public static Outcome Run(FineTuneOptions o, Action<Setup>? onSetup = null, Action<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        o.Trainer.Validate();
        var outputs = Inputs(o);
        OutputFolder.CheckRun(o.Trainer.OutDir, o.Trainer.Resume, o.Trainer.Force, outputs);
        if (o.Trainer.Resume) Checkpoint.Require(o.Trainer.OutDir);
        var device = Devices.Parse(o.Device);
        var tok = Tokenizer.Load(o.TokenizerDir ?? o.ModelDir);
        var noise = o.Noise > 0 ? LabelNoise.Apply(JsonlReader.ReadPairs(o.DataPath, o.Data.Limit), o.Noise, o.Trainer.Seed) : default;
        var dataPath = noise.Pairs is null ? o.DataPath : WriteTemp(noise.Pairs);
        List<SftExample> train;
        SftOverflowReport overflow;
        try { train = SftDataset.Load(dataPath, tok, o.Data, out overflow); }
        finally { if (dataPath != o.DataPath) File.Delete(dataPath); }
        var dev = o.DevPath is null ? null : SftDataset.Load(o.DevPath, tok, o.Data with { Limit = o.DevLimit, Overflow = o.Data.Overflow == "error" ? "truncate" : o.Data.Overflow });
        int pad = tok.PadTokenId ?? tok.EosTokenId ?? 0;
        var batches = new SftBatchSource(train, o.BatchSize, pad, o.Packing, o.Data.MaxLength, o.Trainer.Seed, device);

        using var baseModel = ModelIO.Load(o.ModelDir, device);
        int vocabMax = train.SelectMany(e => e.Segments).SelectMany(s => s.Tokens).DefaultIfEmpty(0).Max();
        if (vocabMax >= baseModel.Config.VocabSize) throw new SharpTuneException($"{o.TokenizerDir ?? o.ModelDir}: token id {vocabMax} is outside the model's vocabulary ({baseModel.Config.VocabSize}); tokenizer and model do not match");
        // After the inputs were read (a missing or bad file is its reader's error), before anything is written.
        var fingerprint = Fingerprint(o);
        if (o.Trainer.Resume) fingerprint.CheckResume(o.Trainer.OutDir, Checkpoint.ReadState(Checkpoint.Require(o.Trainer.OutDir)).Fingerprint);
        using var adapted = AdapterFactory.Create(baseModel, o.Method, tok, o.Trainer.Seed, Path.GetFileName(Path.GetFullPath(o.ModelDir)));
        long trainable = adapted.TrainableParameterCount;
        var setup = new Setup(train.Count, dev?.Count ?? 0, trainable, baseModel.ParameterCount(), adapted.Trainable.Sum(t => 2 * t.P.numel() * t.P.ElementSize), adapted.Method,
            overflow.Truncated, overflow.Skipped);
        OutputFolder.StartRun(o.Trainer.OutDir, o.Trainer.Resume, o.Trainer.Force, outputs);
        if (noise.Pairs is not null)
        {
            AtomicFile.WriteAllText(Path.Combine(o.Trainer.OutDir, "train-noisy.jsonl"), PairsJsonl(noise.Pairs));
            LabelNoise.Save(Path.Combine(o.Trainer.OutDir, LabelNoise.RecordFileName), noise.Corrupted);
        }
        var run = new Dictionary<string, object?>
        {
            ["method"] = adapted.Method, ["trainable_parameters"] = trainable, ["total_parameters"] = setup.TotalParameters,
            ["optimizer_state_bytes"] = setup.OptimizerStateBytes, ["examples"] = train.Count, ["dev_examples"] = setup.DevExamples,
            ["truncated_examples"] = overflow.Truncated, ["skipped_examples"] = overflow.Skipped,
            ["options"] = o, ["fingerprint"] = fingerprint,
        };
        RunJson.Write(o.Trainer.OutDir, run);
        onSetup?.Invoke(setup);

        var trainer = new Trainer(adapted.Trainable, adapted.Loss, adapted.SetTraining, batches,
            dev is null ? null : () => SftBatchSource.Sequential(dev, o.BatchSize, pad, device), o.Trainer with { Fingerprint = fingerprint });
        var result = trainer.Run(progress, cancel);
        // How it ended, and which step the saved adapter/model is (the best dev loss when evaluating, else the last).
        RunJson.WriteOutcome(o.Trainer.OutDir, run, result);
        adapted.Save(o.Trainer.OutDir);
        new TaskSettings { PairTemplate = o.Data.PairTemplate, MaxLength = o.Data.MaxLength, NoiseRecord = o.Noise > 0 ? LabelNoise.RecordFileName : null }.Save(o.Trainer.OutDir);
        if (adapted is FineTuneModel)
        {
            PretrainRecipe.CopyCompanions(o.ModelDir, o.Trainer.OutDir, o.TokenizerDir);
        }
        return new Outcome(setup, result);
    }


    /// <summary>CLI names of the options (flattened paths of <see cref="FineTuneOptions"/>), for the fingerprint and its messages.</summary>
    private static readonly Dictionary<string, string> OptionNames = new Dictionary<string, string>
    {
        ["DevLimit"] = "--dev-limit", ["BatchSize"] = "--batch-size", ["Packing"] = "--packing", ["Noise"] = "--noise",
        ["Method.Method"] = "--method", ["Method.VirtualTokens"] = "--virtual-tokens", ["Method.InitText"] = "--init-text",
        ["Method.Encoder"] = "--encoder", ["Method.EncoderHidden"] = "--encoder-hidden", ["Method.PrefixProjection"] = "--prefix-projection",
        ["Method.Rank"] = "--rank", ["Method.Alpha"] = "--alpha", ["Method.Dropout"] = "--lora-dropout", ["Method.Targets"] = "--targets",
        ["Method.Rslora"] = "--rslora", ["Method.Dora"] = "--dora", ["Method.LastLayers"] = "--last-layers", ["Method.Layers"] = "--layers",
        ["Method.Unfreeze"] = "--unfreeze", ["Method.Embeddings"] = "--embeddings",
        ["Data.Format"] = "--format", ["Data.PairTemplate"] = "--template", ["Data.MaxLength"] = "--max-length", ["Data.Overflow"] = "--overflow",
        ["Data.Limit"] = "--limit",
    }.Concat(TrainerOptions.OptionNames.Select(kv => KeyValuePair.Create("Trainer." + kv.Key, kv.Value))).ToDictionary();

    /// <summary>
    /// What defines this run: every option except where inputs and output live and what cannot change the trained
    /// values (the device: the same run on another device differs only by rounding), and the bytes of the data, dev
    /// data, base model (config.json, weights) and tokenizer files.
    /// </summary>
    public static RunFingerprint Fingerprint(FineTuneOptions o)
    {
        string[] excluded = ["ModelDir", "TokenizerDir", "DataPath", "DevPath", "Device", .. TrainerOptions.NotInFingerprint.Select(n => "Trainer." + n)];
        var files = new List<(string, string)> { ("--data", o.DataPath) };
        if (o.DevPath is not null) files.Add(("--dev", o.DevPath));
        files.AddRange(RunFingerprint.FolderFiles("--model", o.ModelDir, "config.json", "*.safetensors", ModelIO.IndexFile));
        files.AddRange(RunFingerprint.FolderFiles(o.TokenizerDir is null ? "--model" : "--tokenizer", o.TokenizerDir ?? o.ModelDir,
            Tokenizer.FileName, Tokenizer.ConfigFileName));
        return RunFingerprint.Create(o, OptionNames, excluded, files);
    }

    private static List<(string, string?)> Inputs(FineTuneOptions o) =>
        [("--model", o.ModelDir), ("--tokenizer", o.TokenizerDir), ("--data", o.DataPath), ("--dev", o.DevPath)];

    /// <summary>`--noise`: the corrupted pairs go to a temporary file for loading; the run folder gets a copy and the record once it is started.</summary>
    private static string WriteTemp(IEnumerable<SummaryPair> pairs)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharptune-noisy-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
        AtomicFile.WriteAllText(path, PairsJsonl(pairs));
        return path;
    }

    private static string PairsJsonl(IEnumerable<SummaryPair> pairs) =>
        string.Concat(pairs.Select(p => JsonSerializer.Serialize(new { id = p.Id, source = p.Source, summary = p.Summary }) + "\n"));
}
