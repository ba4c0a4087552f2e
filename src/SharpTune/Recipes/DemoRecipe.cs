using System.Text;
using System.Text.Json;
using SharpTune.Adapters;
using SharpTune.Data;
using SharpTune.Evaluation;
using SharpTune.IO;
using SharpTune.Models;
using SharpTune.Tokenization;
using SharpTune.Training;

namespace SharpTune.Recipes;

/// <summary>
/// The main job: score the base model's one-line summaries of held-out Debian descriptions, fine-tune it
/// (LoRA r=8 by default) on a sample of training pairs, score again, and write the adapter and a report.
/// </summary>
public static class DemoRecipe
{
    public sealed record Outcome(SummaryEvaluator.Report Before, SummaryEvaluator.Report? After, FineTuneRecipe.Outcome Training, string ReportPath, string AdapterDir);

    public interface IProgress
    {
        void Stage(string text);
        void Evaluating(string label, int done, int total);
        void Setup(FineTuneRecipe.Setup setup);
        void Training(TrainProgress p);
    }

    public static Outcome Run(DemoOptions o, IProgress ui, CancellationToken cancel = default)
    {
        if (!Directory.Exists(o.ModelDir)) throw new SharpTuneException($"{o.ModelDir}: model folder not found (pass --model DIR)");
        List<(string, string?)> inputs = [("--model", o.ModelDir), ("--data", o.TrainPath), ("--dev", o.DevPath)];
        OutputFolder.CheckRun(o.OutDir, o.Resume, o.Force, inputs);
        var adapterDir = Path.Combine(o.OutDir, "adapter");
        if (o.Resume) Checkpoint.Require(adapterDir);
        // Read (and so validate) both files before any work.
        var train = JsonlReader.ReadPairs(o.TrainPath);
        var dev = JsonlReader.ReadPairs(o.DevPath);
        if (train.Count < o.BatchSize) throw new SharpTuneException($"{o.TrainPath}: {train.Count} pairs, fewer than one batch of {o.BatchSize}");
        var rng = new Random(o.Seed);
        var sample = train.OrderBy(_ => rng.Next()).Take(o.TrainExamples).ToList();
        var evalSet = dev.Take(o.EvalExamples).ToList();
        OutputFolder.StartRun(o.OutDir, o.Resume, o.Force, inputs);
        var subset = Path.Combine(o.OutDir, "train-sample.jsonl");
        AtomicFile.WriteAllText(subset, string.Join("\n", sample.Select(p => JsonSerializer.Serialize(new { id = p.Id, source = p.Source, summary = p.Summary }))) + "\n");

        var tok = Tokenizer.Load(o.ModelDir);
        var device = Devices.Parse(o.Device);
        string template = SftDataOptions.DefaultPairTemplate;
        int maxPrompt = o.MaxLength - 40;

        ui.Stage($"scoring the base model on {evalSet.Count} held-out descriptions");
        SummaryEvaluator.Report before;
        using (var baseModel = ModelIO.Load(o.ModelDir, device))
            before = SummaryEvaluator.Run(baseModel, tok, evalSet, template, maxPrompt, onDone: n => ui.Evaluating("base", n, evalSet.Count), cancel: cancel);

        long steps = (long)Math.Ceiling((double)sample.Count / o.BatchSize) * o.Epochs;
        // Each method trains with its own defaults (learning rate, prompt tuning's text init, unfreeze's layers):
        // one rate for all would leave prompt tuning unmoved and push full fine-tuning too hard.
        double lr = o.LearningRate ?? MethodDefaults.LearningRate(o.Method);
        var method = MethodDefaults.Apply(new MethodOptions { Method = o.Method, Rank = o.Rank, Alpha = 2 * o.Rank, Dropout = 0.05, Targets = "all-linear", VirtualTokens = 20 });
        ui.Stage($"fine-tuning ({Describe(o)}, lr {lr:G3}) on {sample.Count} pairs for {steps} steps");
        var training = FineTuneRecipe.Run(new FineTuneOptions
        {
            ModelDir = o.ModelDir, DataPath = subset, BatchSize = o.BatchSize, Device = o.Device,
            Method = method,
            Data = new SftDataOptions { PairTemplate = template, MaxLength = o.MaxLength, Overflow = "truncate" },
            Trainer = new TrainerOptions
            {
                OutDir = adapterDir, MaxSteps = steps, LearningRate = lr, WarmupSteps = Math.Min(20, steps / 10), Schedule = "cosine",
                MinLrRatio = 0.1, Seed = o.Seed, CheckpointEvery = 50, Resume = o.Resume, WeightDecay = 0.0,
            },
        }, ui.Setup, ui.Training, cancel);

        SummaryEvaluator.Report? after = null;
        if (!training.Result.Cancelled)
        {
            ui.Stage("scoring the fine-tuned model on the same descriptions");
            // Full/unfreeze runs write a whole model; adapters load onto the base.
            using var tuned = TrainedModel.Load(o.ModelDir, adapterDir, device);
            after = SummaryEvaluator.Run(tuned.Model, tok, evalSet, template, maxPrompt, onDone: n => ui.Evaluating("tuned", n, evalSet.Count), cancel: cancel);
        }
        var reportPath = Path.Combine(o.OutDir, "report.md");
        WriteReport(o, before, after, training, reportPath);
        return new Outcome(before, after, training, reportPath, adapterDir);
    }

    private static void WriteReport(DemoOptions o, SummaryEvaluator.Report before, SummaryEvaluator.Report? after, FineTuneRecipe.Outcome training, string path)
    {
        var md = new StringBuilder();
        md.AppendLine("# SharpTune demo report").AppendLine();
        md.AppendLine($"Base `{o.ModelDir}`, method **{Describe(o)}**, learning rate {o.LearningRate ?? MethodDefaults.LearningRate(o.Method):G3}, {training.Setup.Examples} training pairs from `{o.TrainPath}`, " +
                      $"{before.Items.Count} held-out pairs from `{o.DevPath}`. Trainable parameters {training.Setup.TrainableParameters:N0} of {training.Setup.TotalParameters:N0}; " +
                      $"{training.Result.Steps} steps in {training.Result.Elapsed:hh\\:mm\\:ss}; training loss {training.Result.Losses.FirstOrDefault():F3} → {training.Result.Losses.LastOrDefault():F3}.").AppendLine();
        md.AppendLine("| model | ROUGE-1 | ROUGE-2 | ROUGE-L |").AppendLine("|---|---|---|---|");
        md.AppendLine($"| base | {before.Rouge.Rouge1:F4} | {before.Rouge.Rouge2:F4} | {before.Rouge.RougeL:F4} |");
        if (after is not null) md.AppendLine($"| fine-tuned | {after.Rouge.Rouge1:F4} | {after.Rouge.Rouge2:F4} | {after.Rouge.RougeL:F4} |");
        md.AppendLine().AppendLine("ROUGE F1 (rouge-score's definition, no stemming), mean over examples.").AppendLine();
        md.AppendLine("## Examples").AppendLine();
        for (int i = 0; i < before.Items.Count; i++)
        {
            var p = before.Items[i].Pair;
            md.AppendLine($"### {p.Id}").AppendLine();
            md.AppendLine($"- source: {Excerpt(p.Source, 300)}");
            md.AppendLine($"- reference: {p.Summary}");
            md.AppendLine($"- base: {before.Items[i].Generated}");
            if (after is not null) md.AppendLine($"- fine-tuned: {after.Items[i].Generated}");
            md.AppendLine();
        }
        AtomicFile.WriteAllText(path, md.ToString());
        AtomicFile.WriteAllText(Path.ChangeExtension(path, ".json"), JsonSerializer.Serialize(new
        {
            options = o, setup = training.Setup,
            training = new { steps = training.Result.Steps, first_loss = training.Result.Losses.FirstOrDefault(), last_loss = training.Result.Losses.LastOrDefault(), seconds = training.Result.Elapsed.TotalSeconds, cancelled = training.Result.Cancelled },
            before = before.Rouge, after = after?.Rouge,
            examples = before.Items.Select((it, i) => new { id = it.Pair.Id, reference = it.Pair.Summary, base_output = it.Generated, tuned_output = after?.Items[i].Generated }),
        }, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The method as the report names it: LoRA with its rank.</summary>
    public static string Describe(DemoOptions o) => o.Method == "lora" ? $"lora, rank {o.Rank}" : o.Method;

    public static string Excerpt(string s, int n) => s.Length <= n ? s.Replace('\n', ' ') : s[..n].Replace('\n', ' ') + "…";
}
