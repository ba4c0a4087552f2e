using System.ComponentModel;
using SharpTune.Evaluation;
using SharpTune.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

public sealed class CheckCommand : Command<CheckCommand.Settings>
{
    public sealed class Settings : ModelSettings
    {
        [CommandOption("--golden <FILE>")] [Description("safetensors with input_ids, logits, optional loss, greedy_ids, greedy_scores.")]
        public string Golden { get; set; } = "";

        [CommandOption("--tol <TOL>")] [Description("Largest allowed |Δ| for logits, loss and step scores.")] [DefaultValue(1e-4)]
        public double Tol { get; set; } = 1e-4;

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Golden) ? ValidationResult.Error("--golden FILE is required") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        using var model = ModelIO.Load(s.Model, Devices.Parse(s.Device), ModelIO.ParseDType(s.DType));
        var r = ReferenceCheck.Run(s.Golden, ids => model.Forward(ids), model);
        Console.WriteLine($"max |Δ logit|      {r.MaxAbsLogitDiff:E3}");
        if (r.LossDiff is double ld) Console.WriteLine($"loss               {r.Loss:F7} (reference {r.ExpectedLoss:F7}, |Δ| {ld:E3})");
        if (r.GreedyMatch is bool gm)
            Console.WriteLine($"greedy ids         {(gm ? "match" : $"DIFFER: expected [{string.Join(",", r.ExpectedGreedy!)}], got [{string.Join(",", r.ActualGreedy!)}]")}");
        if (r.MaxAbsScoreDiff is double sd) Console.WriteLine($"max |Δ step score| {sd:E3}");
        bool ok = r.Passes(s.Tol);
        Console.WriteLine(ok ? $"PASS (tol {s.Tol:G})" : $"FAIL (tol {s.Tol:G})");
        return ok ? 0 : 1;
    }
}
