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
    public sealed record Setup(int Examples, int DevExamples, long TrainableParameters, long TotalParameters, long OptimizerStateBytes, string Method);

    public sealed record Outcome(Setup Setup, TrainResult Result);

    public static Outcome Run(FineTuneOptions o, Action<Setup>? onSetup = null, Action<TrainProgress>? progress = null, CancellationToken cancel = default)
    {
        o.Trainer.Validate();
        var device = Devices.Parse(o.Device);
        var tok = Tokenizer.Load(o.TokenizerDir ?? o.ModelDir);
        var dataPath = o.Noise > 0 ? WriteNoisyData(o) : o.DataPath;
        var train = SftDataset.Load(dataPath, tok, o.Data);
        var dev = o.DevPath is null ? null : SftDataset.Load(o.DevPath, tok, o.Data with { Limit = o.DevLimit, Overflow = o.Data.Overflow == "error" ? "truncate" : o.Data.Overflow });
        int pad = tok.PadTokenId ?? tok.EosTokenId ?? 0;
        var batches = new SftBatchSource(train, o.BatchSize, pad, o.Packing, o.Data.MaxLength, o.Trainer.Seed, device);

        using var baseModel = ModelIO.Load(o.ModelDir, device);
        int vocabMax = train.SelectMany(e => e.Segments).SelectMany(s => s.Tokens).DefaultIfEmpty(0).Max();
        if (vocabMax >= baseModel.Config.VocabSize) throw new SharpTuneException($"{o.TokenizerDir ?? o.ModelDir}: token id {vocabMax} is outside the model's vocabulary ({baseModel.Config.VocabSize}); tokenizer and model do not match");
        using var adapted = AdapterFactory.Create(baseModel, o.Method, tok, o.Trainer.Seed, Path.GetFileName(Path.GetFullPath(o.ModelDir)));
        long trainable = adapted.TrainableParameterCount;
        var setup = new Setup(train.Count, dev?.Count ?? 0, trainable, baseModel.ParameterCount(), adapted.Trainable.Sum(t => 2 * t.P.numel() * t.P.ElementSize), adapted.Method);
        Directory.CreateDirectory(o.Trainer.OutDir);
        AtomicFile.WriteAllText(Path.Combine(o.Trainer.OutDir, "run.json"), JsonSerializer.Serialize(new
        {
            method = adapted.Method, trainable_parameters = trainable, total_parameters = setup.TotalParameters,
            optimizer_state_bytes = setup.OptimizerStateBytes, examples = train.Count, dev_examples = setup.DevExamples,
            options = o,
        }, new JsonSerializerOptions { WriteIndented = true }));
        onSetup?.Invoke(setup);

        var trainer = new Trainer(adapted.Trainable, adapted.Loss, adapted.SetTraining, batches,
            dev is null ? null : () => SftBatchSource.Sequential(dev, o.BatchSize, pad, device), o.Trainer);
        var result = trainer.Run(progress, cancel);
        adapted.Save(o.Trainer.OutDir);
        new TaskSettings { PairTemplate = o.Data.PairTemplate, MaxLength = o.Data.MaxLength, NoiseRecord = o.Noise > 0 ? LabelNoise.RecordFileName : null }.Save(o.Trainer.OutDir);
        if (adapted is FineTuneModel)
        {
            PretrainRecipe.CopyCompanions(o.ModelDir, o.Trainer.OutDir, o.TokenizerDir);
        }
        return new Outcome(setup, result);
    }

    /// <summary>`--noise`: the corrupted copy of the pairs that training reads, and the record of what was corrupted, in the run folder.</summary>
    private static string WriteNoisyData(FineTuneOptions o)
    {
        var pairs = JsonlReader.ReadPairs(o.DataPath, o.Data.Limit);
        var (noisy, record) = LabelNoise.Apply(pairs, o.Noise, o.Trainer.Seed);
        Directory.CreateDirectory(o.Trainer.OutDir);
        var path = Path.Combine(o.Trainer.OutDir, "train-noisy.jsonl");
        AtomicFile.WriteAllText(path, string.Concat(noisy.Select(p => JsonSerializer.Serialize(new { id = p.Id, source = p.Source, summary = p.Summary }) + "\n")));
        LabelNoise.Save(Path.Combine(o.Trainer.OutDir, LabelNoise.RecordFileName), record);
        return path;
    }
}
