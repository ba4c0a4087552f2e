using System.ComponentModel;
using SharpTune.Adapters;
using SharpTune.Evaluation;
using SharpTune.IO;
using SharpTune.Models;
using Spectre.Console;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class CheckCommand : Command<CheckCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--golden <FILE>")] [Description("safetensors with input_ids, logits, optional loss, greedy_ids, greedy_scores. Required.")]
        public string Golden { get; set; } = "";

        [CommandOption("--adapter <DIR>")] [Description("PEFT adapter folder to apply to the model first.")]
        public string? Adapter { get; set; }

        [CommandOption("--tol <TOL>")] [Description("Largest allowed |Δ| for logits, loss and step scores (≥ 0).")] [DefaultValue(1e-4)] [ValidRange(0)]
        public double Tol { get; set; } = 1e-4;

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Golden) ? ValidationResult.Error("--golden FILE is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var model = ModelIO.Load(s.Model, Devices.Parse(s.Device), ModelIO.ParseDType(s.DType));
        using var adapted = s.Adapter is null ? null : AdapterIO.Load(s.Adapter, model);
        var r = adapted is null ? ReferenceCheck.Run(s.Golden, ids => model.Forward(ids), model) : ReferenceCheck.Run(s.Golden, ids => adapted.Forward(ids), adapted);
        Console.WriteLine($"max |Δ logit|      {r.MaxAbsLogitDiff:E3}");
        if (r.LossDiff is double ld) Console.WriteLine($"loss               {r.Loss:F7} (reference {r.ExpectedLoss:F7}, |Δ| {ld:E3})");
        if (r.GreedyMatch is bool gm)
            Console.WriteLine($"greedy ids         {(gm ? "match" : $"DIFFER: expected [{string.Join(",", r.ExpectedGreedy!)}], got [{string.Join(",", r.ActualGreedy!)}]")}");
        if (r.MaxAbsScoreDiff is double sd) Console.WriteLine($"max |Δ step score| {sd:E3}");
        bool ok = r.Passes(s.Tol);
        // PEFT goldens for LoRA also hold merge_and_unload()'s logits.
        if (adapted is LoraModel lora && SafeTensorsFile.Open(s.Golden).Contains("merged_logits"))
        {
            var merged = lora.MergeAndUnload();
            double diff = ReferenceCheck.MaxAbsDiff(s.Golden, "merged_logits", ids => merged.Forward(ids), merged.Device);
            Console.WriteLine($"merged max |Δ|     {diff:E3}");
            ok &= diff <= s.Tol;
        }
        Console.WriteLine(ok ? $"PASS (tol {s.Tol:G})" : $"FAIL (tol {s.Tol:G})");
        return ok ? 0 : 1;
    }
}
