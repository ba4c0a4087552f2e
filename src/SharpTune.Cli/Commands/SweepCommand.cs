using System.ComponentModel;
using System.Reflection;
using SharpTune.Cli.Options;
using SharpTune.IO;
using SharpTune.Study;
using SharpTune.Study.Cluster;
using SharpTune.Study.Sweeps;
using Spectre.Console.Cli;

namespace SharpTune.Cli.Commands;

/// <summary>
/// `sharptune sweep [SWEEP.yaml] [--grid NAME=V1,V2 …] [--seeds N] [train options] --out DIR [--resume]`: expands a
/// grid of train options into trials and runs each (train + eval) in its own process, recording them in
/// DIR/trials.jsonl and in the experiment store. Options given on the command line are the base of every trial
/// (the file's base overrides nothing given here: the command line wins).
/// </summary>
public sealed class SweepCommand : Command<SweepCommand.Settings>
{
    public sealed class Settings : TrainCommand.Settings
    {
        [CommandArgument(0, "[SWEEP]")] [Description("Sweep file (YAML or JSON: name, base, grid, coupled, eval). Optional when --grid is given.")]
        public string? File { get; set; }
        [CommandOption("--grid <NAME=V1,V2>")] [Description("Cross these values of a train option (repeatable), e.g. --grid rank=4,8,16.")]
        public string[] Grid { get; set; } = [];
        [CommandOption("--seeds <N>")] [Description("Run every point with seeds 1…N (≥ 1); adds a seed axis.")] [ValidRange(1)]
        public int? Seeds { get; set; }
        [CommandOption("--name <NAME>")] [Description("Sweep name (default: the file's name, or 'sweep').")]
        public string? Name { get; set; }
        [CommandOption("--eval-limit <N>")] [Description("Dev pairs each trial generates for (≥ 1).")] [ValidRange(1)]
        public int? EvalLimit { get; set; }
        [CommandOption("--eval-injection-limit <N>")] [Description("Dev pairs each trial plants the injection suite in (≥ 0; 0 skips it).")] [ValidRange(0)]
        public int? EvalInjectionLimit { get; set; }
        [CommandOption("--only <NAME=V1,V2>")] [Description("Run only the trials with one of these values (repeatable; all must match), e.g. --only seed=1; the rest stay pending for a later --resume.")]
        public string[] Only { get; set; } = [];

        [CommandOption("--retry-failed")] [Description("With --resume: run the trials recorded as failed again too (a failure of the machine, not of the trial's settings); finished trials still never run twice.")]
        public bool RetryFailed { get; set; }

        [CommandOption("--dry-run")] [Description("Print the trials (ids and the settings that vary) and stop; nothing is written.")]
        public bool DryRun { get; set; }
        [CommandOption("--store <FILE|URI>")] [Description("Experiment store: an SQLite file, or postgresql://USER@HOST:PORT/DB (needed by --executor slurm|k8s). Default: $SHARPTUNE_STORE, else runs/sharptune.db.")]
        public string? Store { get; set; }

        [CommandOption("--executor <KIND>")] [Description("Where trials run: local (one after another, here), slurm (one sbatch job array) or k8s (writes the plan and DIR/k8s/job.json, an Indexed Job for kubectl; --dry-run only prints it).")]
        [DefaultValue("local")] [OneOf("local", "slurm", "k8s")]
        public string Executor { get; set; } = "local";
        [CommandOption("--partition <P>")] [Description("Slurm partition for the job array (default: the cluster's default).")]
        public string? Partition { get; set; }
        [CommandOption("--max-parallel <N>")] [Description("At most N trials at once (Slurm's --array …%N, the k8s Job's parallelism; ≥ 1).")] [ValidRange(1)]
        public int? MaxParallel { get; set; }
        [CommandOption("--slurm-opt <OPTS>")] [Description("Extra sbatch options, e.g. --slurm-opt \"--account=nlp --qos=short\" (repeatable; split at spaces).")]
        public string[] SlurmOpt { get; set; } = [];
        [CommandOption("--detach")] [Description("Submit and return at once; follow with `sharptune sweep status DIR`.")]
        public bool Detach { get; set; }
        [CommandOption("--lease <SECONDS>")] [Description("Seconds a cluster worker's claim on a trial lasts without renewal, in [[5, 86400]]; a dead worker's trial is claimable again after it.")]
        [DefaultValue(300)] [ValidRange(5, 86400)]
        public int Lease { get; set; } = 300;
        [CommandOption("--retries <N>")] [Description("Resubmit trials whose array task died (killed, node lost) up to N times, in [[0, 10]].")] [DefaultValue(1)] [ValidRange(0, 10)]
        public int Retries { get; set; } = 1;
        [CommandOption("--image <IMAGE>")] [Description("Container image for --executor k8s (holding dotnet and SharpTune).")] [DefaultValue("sharptune:latest")]
        public string Image { get; set; } = "sharptune:latest";

        // The sweep's own options; every other option with a non-default value is a base setting of every trial.
        internal static readonly HashSet<string> OwnOptions = ["out", "resume", "force", "config", "grid", "seeds", "name", "eval_limit", "eval_injection_limit", "store", "result", "dry_run", "only", "retry_failed",
            "executor", "partition", "max_parallel", "slurm_opt", "detach", "lease", "retries", "image"];

        public override Spectre.Console.ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? Spectre.Console.ValidationResult.Error("--out DIR is required (the sweep folder)")
            : File is null && Grid.Length == 0 && Seeds is null ? Spectre.Console.ValidationResult.Error("give a sweep file, or --grid NAME=V1,V2 / --seeds N")
            : Executor == "local" && (Partition is not null || SlurmOpt.Length > 0 || Detach) ? Spectre.Console.ValidationResult.Error("--partition, --slurm-opt and --detach need --executor slurm")
            : RetryFailed && (!Resume || Executor != "local") ? Spectre.Console.ValidationResult.Error("--retry-failed needs --resume and the local executor (a cluster sweep resubmits its dead tasks by --retries)")
            : Spectre.Console.ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancel)
    {
        var plan = Plan(s);
        var only = Only(s.Only, plan);
        if (s.Executor == "k8s")
        {
            var location = ExperimentStores.Resolve(s.Store);
            if (!ExperimentStores.IsShared(location))
                throw new SharpTuneException($"--executor k8s: the store must be a server every pod can reach (--store postgresql://USER@HOST:PORT/DB), not {location}");
            var manifest = K8sManifest.ToJson(K8sManifest.Build(s.Out, plan, location, s.Image, s.MaxParallel, ["dotnet", CliDll]));
            if (s.DryRun) { Console.WriteLine(manifest); return 0; }
            // No cluster is contacted: the plan and the pending trials are written, the Job is for kubectl to apply.
            using var k8sStore = ExperimentStores.Open(location);
            var indices = new ClusterSweepRunner(k8sStore).Prepare(plan, s.Out, s.Resume, typeof(SweepCommand).Assembly.GetName().Version?.ToString());
            new ClusterJob { Executor = "k8s", Store = PostgresLocation.WithoutPassword(location), LeaseSeconds = s.Lease }.Write(s.Out);
            var path = Path.Combine(s.Out, "k8s", "job.json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, manifest + "\n");
            Console.WriteLine($"sweep {plan.Name}: {plan.Trials.Count} trials ({indices.Count} not finished) planned in {s.Out}; start them with: kubectl apply -f {path}");
            return 0;
        }
        if (s.Executor == "slurm") return ClusterSweep.Run(s, plan, only, cancel);
        if (s.DryRun)
        {
            var varying = Varying(plan);
            Console.WriteLine($"sweep {plan.Name}: {plan.Trials.Count} trials");
            foreach (var t in plan.Trials.Where(only))
                Console.WriteLine($"{t.Id(plan.Name)} {string.Join(' ', t.Settings.Where(kv => varying.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))}");
            return 0;
        }
        using var stop = Cancellation.Listen(cancel);
        using var store = ExperimentStores.Open(ExperimentStores.Resolve(s.Store));
        var runner = new SweepRunner(new ProcessTrialExecutor(), store, codeVersion: typeof(SweepCommand).Assembly.GetName().Version?.ToString());
        Console.WriteLine($"sweep {plan.Name}: {plan.Trials.Count} trials → {s.Out}");
        try
        {
            var records = runner.Run(plan, s.Out, s.Resume, p =>
            {
                var t = p.Trial;
                var what = t.Status switch
                {
                    TrialStatus.Running => "running",
                    TrialStatus.Finished => $"finished: ROUGE-L {t.Metrics?.RougeL:F4}, chrF {t.Metrics?.Chrf:F2}",
                    _ => $"failed: {t.Error}",
                };
                Console.WriteLine($"[{p.Done}/{p.Total}] {t.Id} {string.Join(' ', t.Settings.Where(kv => Varying(plan).Contains(kv.Key)).Select(kv => $"{kv.Key}={kv.Value}"))}: {what}");
            }, stop.Token, only, s.RetryFailed);
            Console.WriteLine($"{records.Count(r => r.Status == TrialStatus.Finished)} finished, {records.Count(r => r.Status == TrialStatus.Failed)} failed; {TrialsFile.PathIn(s.Out)}");
            return 0;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"stopped; continue with: sharptune sweep … --out {s.Out} --resume");
            return stop.ExitCode;
        }
    }

    /// <summary>The CLI itself, as cluster tasks start it (it must be on a path every node sees).</summary>
    internal static string CliDll => Path.Combine(AppContext.BaseDirectory, "SharpTune.Cli.dll");

    /// <summary>--only NAME=V1,V2 (repeatable): a trial runs when, for every NAME, its setting is one of the values.</summary>
    public static Func<TrialSpec, bool> Only(IEnumerable<string> filters, SweepPlan plan)
    {
        var rules = new List<(string Key, HashSet<string> Values)>();
        foreach (var f in filters)
        {
            int eq = f.IndexOf('=');
            if (eq <= 0 || eq == f.Length - 1) throw new SharpTuneException($"--only {f}: expected NAME=V1,V2,…");
            var key = SweepFile.Normalise(f[..eq]);
            if (!plan.Trials.Any(t => t.Settings.ContainsKey(key)))
                throw new SharpTuneException($"--only {f}: no trial of sweep '{plan.Name}' sets '{key}' (its settings: {string.Join(", ", plan.Trials.SelectMany(t => t.Settings.Keys).Distinct().Order())})");
            rules.Add((key, f[(eq + 1)..].Split(',').Select(v => v.Trim()).ToHashSet()));
        }
        return t => rules.All(r => t.Settings.TryGetValue(r.Key, out var v) && r.Values.Contains(v));
    }

    private static HashSet<string> Varying(SweepPlan plan) =>
        plan.Trials.SelectMany(t => t.Settings.Keys).Distinct().Where(k => plan.Trials.Select(t => t.Settings.GetValueOrDefault(k)).Distinct().Count() > 1).ToHashSet();

    /// <summary>The file's plan with the command line's train options as base (they win), its --grid axes and seeds added.</summary>
    public static SweepPlan Plan(Settings s)
    {
        var cli = GivenTrainOptions(s);
        var grid = new List<(string Key, List<string> Values)>();
        foreach (var g in s.Grid)
        {
            int eq = g.IndexOf('=');
            if (eq <= 0 || eq == g.Length - 1) throw new SharpTuneException($"--grid {g}: expected NAME=V1,V2,…");
            grid.Add((SweepFile.Normalise(g[..eq]), g[(eq + 1)..].Split(',').Select(v => v.Trim()).ToList()));
        }
        if (s.Seeds is int n) grid.Add(("seed", Enumerable.Range(1, n).Select(i => i.ToString()).ToList()));
        var eval = new Dictionary<string, string>();
        if (s.EvalLimit is int el) eval["limit"] = el.ToString();
        if (s.EvalInjectionLimit is int il) eval["injection_limit"] = il.ToString();

        SweepPlan? file = s.File is null ? null : SweepFile.Load(s.File);
        var name = s.Name ?? file?.Name ?? "sweep";
        if (file is null) return SweepFile.Expand(name, cli, grid, [], eval);
        // The command line's options win over the file's settings, then its --grid axes are crossed in.
        IEnumerable<IReadOnlyDictionary<string, string>> trials = file.Trials.Select(t =>
        {
            var d = new Dictionary<string, string>(t.Settings);
            foreach (var (k, v) in cli) d[k] = v;
            return (IReadOnlyDictionary<string, string>)d;
        }).ToList();
        foreach (var (key, values) in grid)
            trials = trials.SelectMany(t => values.Select(v => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(t) { [key] = v })).ToList();
        var mergedEval = new Dictionary<string, string>(file.Eval);
        foreach (var (k, v) in eval) mergedEval[k] = v;
        return SweepFile.FromSettings(name, trials, mergedEval) with { Resources = file.Resources };
    }

    /// <summary>Train options whose value differs from a fresh settings object's, by option name (snake_case).</summary>
    private static Dictionary<string, string> GivenTrainOptions(Settings s)
    {
        var fresh = new Settings();
        var given = new Dictionary<string, string>();
        foreach (var p in typeof(TrainCommand.Settings).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var attr = p.GetCustomAttribute<CommandOptionAttribute>();
            if (attr is null) continue;
            var key = SweepFile.Normalise(attr.LongNames[0]);
            if (Settings.OwnOptions.Contains(key)) continue;
            var value = p.GetValue(s);
            if (Equals(value, p.GetValue(fresh)) || value is string[] { Length: 0 }) continue;
            given[key] = value switch
            {
                null => "",
                bool b => b ? "true" : "false",
                double d => TrialArguments.Invariant(d),
                string[] a => string.Join(",", a),
                _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
            };
        }
        return given;
    }
}
