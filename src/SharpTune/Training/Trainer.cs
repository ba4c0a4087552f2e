using System.Diagnostics;
using System.Text.Json;
using SharpTune.Generation;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpTune.Training;

/// <summary>
/// The optimisation loop every method shares: gradient accumulation, clipping, AdamW on the trainable
/// parameters only, warm-up + schedule, periodic evaluation with early stopping, atomic checkpoints and exact
/// resume, metrics as JSON Lines, and a clean stop (with a checkpoint) on cancellation.
/// Randomness (dropout) is re-seeded from (seed, micro-batch index), so a resumed run replays exactly.
/// <para>With evaluation, the result is the best dev-loss step, not the last: each improvement writes the trainable
/// values to OutDir/best/trainable.safetensors (atomically), every checkpoint carries a copy (best.safetensors, in its
/// manifest), and a run that finishes or stops early copies them back into the parameters, so what the recipe saves
/// is the best step's. On disk rather than as clones in memory: for full fine-tuning a clone is another copy of
/// every weight held for the whole run (the file costs a write per improvement, less than a checkpoint, which writes
/// the moments too), and the checkpoint needs the file anyway. A cancelled run keeps the last step's values (its
/// checkpoint is training state for --resume).</para>
/// </summary>
public sealed class Trainer(
    IReadOnlyList<(string Name, Parameter P)> trainable,
    Func<TrainBatch, Tensor> loss,
    Action<bool> setTraining,
    IBatchSource train,
    Func<IEnumerable<TrainBatch>>? eval,
    TrainerOptions options)
{
    public const string MetricsFile = "metrics.jsonl";
    /// <summary>OutDir/best: the live snapshot of the best step's trainable values while the run trains.</summary>
    public const string BestFolder = "best";

    public TrainResult Run(Action<TrainProgress>? onProgress = null, CancellationToken cancel = default)
    {
        options.Validate();
        Directory.CreateDirectory(options.OutDir);
        using var optimizer = new AdamW(trainable, new AdamW.Options(options.LearningRate, options.Beta1, options.Beta2, options.Eps, options.WeightDecay));
        var state = new TrainerState();
        var metricsPath = Path.Combine(options.OutDir, MetricsFile);
        var bestFile = Path.Combine(options.OutDir, BestFolder, Checkpoint.Weights);
        if (options.Resume)
        {
            // No checkpoint is an error, never a silent fresh start over the previous run's metrics. Another run's
            // checkpoint is refused before anything on disk changes.
            if (options.Fingerprint is { } fingerprint)
                fingerprint.CheckResume(options.OutDir, Checkpoint.ReadState(Checkpoint.Require(options.OutDir)).Fingerprint);
            var dir = Checkpoint.Recover(options.OutDir);
            state = Checkpoint.Load(dir, trainable, optimizer);
            TrimMetrics(metricsPath, state.Step);
            // The live snapshot must be the checkpoint's: one written after it belongs to steps this run replays.
            // (A checkpoint from before best snapshots has a best loss but no step: the last step stands in until
            // the run improves on that loss.)
            if (state.BestStep is not null)
                IO.AtomicFile.Write(bestFile, to => { using var from = File.OpenRead(Path.Combine(dir, Checkpoint.Best)); from.CopyTo(to); });
            else if (File.Exists(bestFile)) File.Delete(bestFile);
        }
        else if (Checkpoint.Candidates(options.OutDir).Any() || (File.Exists(metricsPath) && new FileInfo(metricsPath).Length > 0))
            throw new IO.SharpTuneException($"{options.OutDir}: holds a previous run (checkpoint, {MetricsFile}); pass --resume to continue it or --force to replace it");
        bool haveCheckpoint = options.Resume;

        var losses = new List<double>(state.Losses);
        var evals = state.EvalLosses.Select(e => ((long)e[0], e[1])).ToList();
        double? best = state.BestEvalLoss;
        long? bestStep = state.BestStep;
        int bad = state.EvalsWithoutImprovement;
        long tokens = state.TokensSeen;
        var clock = Stopwatch.StartNew();
        double priorSeconds = state.ElapsedSeconds;
        bool stoppedEarly = false, cancelled = false;
        long step = state.Step;
        long stepsThisRun = 0;
        long lastSaved = state.Step;
        double secondsThisRun = 0;

        using var metrics = new StreamWriter(metricsPath, append: true);
        while (step < options.MaxSteps)
        {
            if (cancel.IsCancellationRequested) { cancelled = true; break; }
            var stepClock = Stopwatch.StartNew();
            double lr = LrSchedule.At(options.Schedule, options.LearningRate, step, options.WarmupSteps, options.MaxSteps, options.MinLrRatio);
            optimizer.LearningRate = lr;
            setTraining(true);
            double stepLoss = 0;
            long stepTokens = 0;
            double gradNorm;
            using (var scope = NewDisposeScope())
            {
                optimizer.ZeroGrad();
                // The step's loss is the mean over every loss token of its micro-batches, as one batch holding them
                // all would give: each micro-batch's (token-mean) loss is weighted by its share of the step's loss
                // tokens. Averaging the micro-batch means instead over-weights the tokens of short micro-batches.
                int n = options.GradientAccumulation;
                var batches = new TrainBatch[n];
                var counts = new long[n];
                long stepLossTokens = 0;
                for (int micro = 0; micro < n; micro++)
                {
                    batches[micro] = train.Get(step * n + micro);
                    counts[micro] = batches[micro].LossTokens;
                    stepLossTokens += counts[micro];
                }
                for (int micro = 0; micro < n; micro++)
                {
                    manual_seed(options.Seed * 1_000_003L + step * n + micro);
                    stepTokens += batches[micro].Tokens;
                    // A micro-batch without loss tokens adds nothing (its mean would be 0/0).
                    if (counts[micro] == 0) continue;
                    double weight = (double)counts[micro] / stepLossTokens;
                    var l = loss(batches[micro]);
                    (l * weight).backward();
                    stepLoss += l.item<float>() * weight;
                }
                gradNorm = optimizer.ClipGradNorm(options.MaxGradNorm);
                optimizer.StepOnce();
            }
            step++;
            stepsThisRun++;
            tokens += stepTokens;
            losses.Add(stepLoss);
            secondsThisRun += stepClock.Elapsed.TotalSeconds;
            double tps = stepTokens / Math.Max(stepClock.Elapsed.TotalSeconds, 1e-9);

            double? evalLoss = null;
            if (eval is not null && options.EvalEvery > 0 && (step % options.EvalEvery == 0 || step == options.MaxSteps))
            {
                evalLoss = Evaluate(eval(), loss, setTraining);
                evals.Add((step, evalLoss.Value));
                if (best is null || evalLoss < best - 1e-6)
                {
                    best = evalLoss;
                    bestStep = step;
                    bad = 0;
                    IO.SafeTensorsFile.Save(bestFile, trainable.Select(t => KeyValuePair.Create(t.Name, (Tensor)t.P)));
                }
                else bad++;
                if (options.EarlyStoppingPatience > 0 && bad >= options.EarlyStoppingPatience) stoppedEarly = true;
            }
            var elapsed = TimeSpan.FromSeconds(priorSeconds + clock.Elapsed.TotalSeconds);
            var eta = TimeSpan.FromSeconds(secondsThisRun / stepsThisRun * (options.MaxSteps - step));
            metrics.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["step"] = step, ["loss"] = Math.Round(stepLoss, 6), ["lr"] = lr, ["grad_norm"] = Math.Round(gradNorm, 6),
                ["tokens"] = tokens, ["tokens_per_s"] = Math.Round(tps, 1), ["elapsed_s"] = Math.Round(elapsed.TotalSeconds, 2),
                ["eval_loss"] = evalLoss, ["rss_mb"] = PeakMemory.CurrentRssBytes() / 1048576,
            }));
            metrics.Flush();
            onProgress?.Invoke(new TrainProgress(step, options.MaxSteps, stepLoss, lr, gradNorm, tps, tokens, elapsed, eta, evalLoss));

            bool last = step == options.MaxSteps || stoppedEarly;
            if (last || (options.CheckpointEvery > 0 && step % options.CheckpointEvery == 0) || cancel.IsCancellationRequested)
            {
                Save(optimizer, step, losses, evals, best, bestStep, bestFile, bad, tokens, priorSeconds + clock.Elapsed.TotalSeconds);
                lastSaved = step;
                haveCheckpoint = true;
            }
            if (stoppedEarly) break;
        }
        // A cancel seen mid-step was already checkpointed after that step; one seen between steps was not.
        // A run stopped before its first step saves too, so --resume (which needs a checkpoint) can continue it.
        if (cancelled && (step > lastSaved || !haveCheckpoint))
            Save(optimizer, step, losses, evals, best, bestStep, bestFile, bad, tokens, priorSeconds + clock.Elapsed.TotalSeconds);
        setTraining(false);
        // The result is the best step's values (the checkpoint, saved above, keeps the last step's for --resume).
        if (!cancelled && bestStep is long b && b != step) Checkpoint.LoadValues(bestFile, trainable);
        // Every way out of the loop has left a checkpoint holding a copy of the snapshot.
        if (File.Exists(bestFile)) File.Delete(bestFile);
        if (Directory.Exists(Path.GetDirectoryName(bestFile)) && !Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(bestFile)!).Any())
            Directory.Delete(Path.GetDirectoryName(bestFile)!);
        return new TrainResult(step, losses, evals, best, stoppedEarly, cancelled, tokens,
            TimeSpan.FromSeconds(priorSeconds + clock.Elapsed.TotalSeconds), PeakMemory.PeakRssBytes(), optimizer.StateBytes, bestStep);
    }

    private void Save(AdamW optimizer, long step, List<double> losses, List<(long, double)> evals, double? best, long? bestStep, string bestFile,
        int bad, long tokens, double seconds) =>
        Checkpoint.Save(options.OutDir, trainable, optimizer, new TrainerState
        {
            Step = step, Losses = losses, EvalLosses = evals.Select(e => new[] { (double)e.Item1, e.Item2 }).ToList(),
            BestEvalLoss = best, BestStep = bestStep, EvalsWithoutImprovement = bad, TokensSeen = tokens, ElapsedSeconds = seconds,
            Fingerprint = options.Fingerprint,
        }, bestFile);

    /// <summary>Token-weighted mean loss over the batches, in eval mode, without gradients.</summary>
    public static double Evaluate(IEnumerable<TrainBatch> batches, Func<TrainBatch, Tensor> loss, Action<bool> setTraining)
    {
        setTraining(false);
        double sum = 0;
        long count = 0;
        using var _ = no_grad();
        foreach (var batch in batches)
        {
            using var scope = NewDisposeScope();
            long n = batch.LossTokens;
            sum += loss(batch).item<float>() * n;
            count += n;
        }
        return count == 0 ? double.NaN : sum / count;
    }

    /// <summary>
    /// A killed run may have logged steps after its last checkpoint (and a kill mid-write leaves a torn last
    /// line); the resumed run logs those steps again. Keeps every line up to the checkpoint's step and drops only
    /// the rest; the file is left untouched when there is nothing to drop.
    /// </summary>
    private static void TrimMetrics(string path, long keepThrough)
    {
        if (!File.Exists(path)) return;
        var text = File.ReadAllText(path);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var kept = lines.Where(l =>
        {
            try { return JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64() <= keepThrough; }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException) { return false; }
        }).ToList();
        if (kept.Count == lines.Length && (text.Length == 0 || text.EndsWith('\n'))) return;
        IO.AtomicFile.WriteAllText(path, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
    }
}
