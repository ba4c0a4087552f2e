using System.ComponentModel;
using System.Reflection;
using SharpTune.Cli;
using SharpTune.Cli.Options;
using Spectre.Console.Cli;

namespace SharpTune.Tests;

/// <summary>Options are checked before any work: each mistake is one line naming the option, exit 2.</summary>
[Collection("console")]
public class CliOptionTests
{
    private static readonly string Nowhere = Path.Combine(Path.GetTempPath(), "sharptune-no-such-dir");

    /// <summary>Runs the CLI and asserts exit 2, nothing on stdout, and exactly one stderr line containing every expected part.</summary>
    private static string Fails(string[] args, params string[] expected)
    {
        var (code, output, err) = CliRunner.Run(args);
        Assert.True(code == 2, $"exit {code} for {string.Join(' ', args)}: {err}");
        Assert.Equal("", output);
        var line = Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: ", line);
        foreach (var e in expected) Assert.Contains(e, line);
        return line;
    }

    private static string[] Train(params string[] more) => ["train", "--model", Nowhere, "--data", Nowhere, "--out", Nowhere, .. more];
    private static string[] Generate(params string[] more) => ["generate", "--model", Nowhere, "--input-ids", "1", .. more];
    private static string[] Pretrain(params string[] more) => ["pretrain", "--model-config", Nowhere, "--tokenizer", Nowhere, "--data", Nowhere, "--out", Nowhere, .. more];

    public static TheoryData<string[], string> BadOptions => new()
    {
        { Train("--rnak", "64"), "unknown option --rnak for train (did you mean --rank?)" },
        { Train("--lr", "NaN"), "--lr NaN: expected a finite number > 0" },
        { Train("--lr", "Infinity"), "--lr Infinity: expected a finite number" },
        { Train("--lr", "-1e-3"), "--lr -0.001: expected a number > 0" },
        { Train("--alpha", "0"), "--alpha 0: expected a number > 0" },
        { Train("--rank", "0"), "--rank 0: expected an integer ≥ 1" },
        { Train("--max-steps", "0"), "--max-steps 0: expected an integer ≥ 1" },
        { Train("--batch-size", "0"), "--batch-size 0: expected an integer ≥ 1" },
        { Train("--lora-dropout", "1.5"), "--lora-dropout 1.5: expected a number in [0, 1)" },
        { Train("--min-lr-ratio", "2"), "--min-lr-ratio 2: expected a number in [0, 1]" },
        { Train("--grad-accum", "0"), "--grad-accum 0" },
        { Train("--virtual-tokens", "0"), "--virtual-tokens 0" },
        { Train("--max-length", "4"), "--max-length 4: expected an integer ≥ 8" },
        { Train("--seed", "-1"), "--seed -1" },
        { Train("--template", "Summarise:"), "--template Summarise:: must contain {source} or {source_indented}" },
        { Train("--method", "lorra"), "--method lorra: expected one of prompt-tuning, p-tuning, prefix-tuning, lora, unfreeze, full" },
        { Train("--overflow", "cut"), "--overflow cut: expected one of truncate, skip, error" },
        { Train("--format", "csv"), "--format csv" },
        { Train("--schedule", "step"), "--schedule step" },
        { Train("--encoder", "gru"), "--encoder gru" },
        { Train("--targets", ""), "--targets \"\"" },
        { Train("--init-text", " "), "--init-text" },
        { Train("--warmup", "50", "--max-steps", "10"), "--warmup 50: expected at most --max-steps (10)" },
        { Train("--early-stopping", "3"), "--early-stopping 3 needs --eval-every" },
        { Train("--eval-every", "10"), "--eval-every 10 needs --dev" },
        { Train("--device", "gpu"), "--device gpu: expected cpu, cuda or cuda:N" },
        { Train("--rank", "8", "--rank", "16"), "--rank is given more than once" },
        { Train("--rank", "1.5"), "--rank 1.5: expected a whole number" },
        { Train("--rank"), "--rank: missing value" },
        { Train("--rank", "--alpha", "2"), "--rank: missing value" },
        { Train("--max-steps", "99999999999999999999"), "--max-steps 99999999999999999999: expected a whole number" },
        { Train("--packing=yes"), "--packing yes: a flag takes no value" },
        { Train("--packing", "yes"), "train: unexpected argument 'yes'" },
        { Train("-r", "2"), "unknown option -r" },
        { Generate("--temperature", "-1"), "--temperature -1: expected a number ≥ 0" },
        { Generate("--temperature", "NaN"), "--temperature NaN" },
        { Generate("--top-p", "1.5", "--temperature", "1"), "--top-p 1.5: expected a number in (0, 1]" },
        { Generate("--top-p", "0", "--temperature", "1"), "--top-p 0" },
        { Generate("--top-k", "-1"), "--top-k -1: expected an integer ≥ 0" },
        { Generate("--top-k", "50"), "--top-k 50 has no effect without --temperature > 0" },
        { Generate("--repetition-penalty", "0"), "--repetition-penalty 0: expected a number > 0" },
        { Generate("--max-new-tokens", "0"), "--max-new-tokens 0: expected an integer ≥ 1" },
        { Generate("--max-new-tokens", "2x"), "--max-new-tokens 2x: expected a whole number" },
        { Generate("--max-new-tokens", "3000000000"), "--max-new-tokens 3000000000: expected a whole number below 2^31" },
        { Generate("--stop", ""), "--stop \"\": expected a non-empty value" },
        { Generate("--stop", "a", "--stop", ""), "--stop \"\"" },
        { Generate("--seed", "-5"), "--seed -5" },
        { Generate("--dtype", "int8"), "--dtype int8: expected one of float32" },
        { Generate("--system", "be brief"), "--system needs --chat" },
        { Generate("--prompt", "hi"), "give exactly one of --prompt TEXT or --input-ids" },
        { Generate("--input-ids", "1"), "--input-ids is given more than once" },
        { ["generate", "--model", Nowhere, "--input-ids", "99999999999999"], "--input-ids: id 99999999999999 is outside [0, 2^31)" },
        { Pretrain("--block-size", "1"), "--block-size 1: expected an integer ≥ 2" },
        { Pretrain("--eval-every", "10"), "--eval-every 10 needs --dev-data" },
        { ["pretrain", "--config", Nowhere, "--out", Nowhere], $"--config {Nowhere}: file not found" },
        { ["perplexity", "--model", Nowhere, "--data", Nowhere, "--block-size", "1"], "--block-size 1: expected an integer ≥ 2" },
        { ["check", "--model", Nowhere, "--golden", Nowhere, "--tol", "-1"], "--tol -1: expected a number ≥ 0" },
        { ["check", "--model", Nowhere, "--golden", Nowhere, "--tol", "NaN"], "--tol NaN" },
        { ["init", "--arch", "bert", "--out", Nowhere], "--arch bert: expected one of llama, qwen2, gpt2" },
        { ["init", "--size", "huge", "--out", Nowhere], "--size huge" },
        { ["init", "--seed", "-1", "--out", Nowhere], "--seed -1" },
        { ["tokenizer", "train", "--input", Nowhere, "--out", Nowhere, "--vocab-size", "10"], "--vocab-size 10: expected an integer ≥ 260" },
        { ["tokenizer", "train", "--input", Nowhere, "--out", Nowhere, "--min-frequency", "0"], "--min-frequency 0" },
        { ["demo", "--rank", "0"], "--rank 0" },
        { ["demo", "--epochs", "0"], "--epochs 0" },
        { ["demo", "--lr", "NaN"], "--lr NaN" },
        { ["demo", "--train-examples", "0"], "--train-examples 0" },
        { ["demo", "--eval-examples", "-3"], "--eval-examples -3" },
        { ["demo", "--method", "lora8"], "--method lora8" },
        { ["bench", "generate", "--repeats", "0"], "--repeats 0" },
        { ["bench", "generate", "--threads", "0"], "--threads 0" },
        { ["bench", "generate", "--prompt-tokens", "0"], "--prompt-tokens 0" },
        { ["bench", "generate", "--new-tokens", "0"], "--new-tokens 0" },
        { ["bench", "train", "--method", "lora,fll"], "--method lora,fll: 'fll' is not one of lora, full" },
        { ["bench", "train", "--alpha", "-1"], "--alpha -1" },
        { ["bench", "train", "--seq-len", "1"], "--seq-len 1" },
        { ["bench", "train", "--steps", "0"], "--steps 0" },
        { ["bench", "train", "--warmup-steps", "-1"], "--warmup-steps -1" },
        { ["bench", "train", "--batch-size", "0"], "--batch-size 0" },
        { ["bench", "train", "--rank", "0"], "--rank 0" },
        { ["bench", "generate", "--shared", Nowhere], $"--shared {Nowhere}: no bench/smollm2-135m.json there" },
        { ["bench", "generate", "--like", Nowhere], $"--like {Nowhere}: config file not found" },
        { ["tokenize", "--tokenizer", Nowhere, "--decode", "1", "text"], "give exactly one of TEXT" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionsAreOneLineNamingTheOption(string[] args, string expected) => Fails(args, expected);

    [Fact]
    public void OutputPathsOfTheWrongKindAreRefused()
    {
        var file = Path.Combine(Shared.TempDir(), "a-file");
        File.WriteAllText(file, "keep me");
        Fails(["init", "--out", file], $"--out {file} is an existing file; expected a folder");
        Fails(["train", "--model", Nowhere, "--data", Nowhere, "--out", file], $"--out {file} is an existing file");
        Fails(["merge", "--model", Nowhere, "--adapter", Nowhere, "--out", file], $"--out {file}");
        Fails(["tokenizer", "train", "--input", Nowhere, "--out", file], $"--out {file}");
        Fails(["demo", "--out", file], $"--out {file}");
        Fails(["pretrain", "--model-config", Nowhere, "--tokenizer", Nowhere, "--data", Nowhere, "--out", file], $"--out {file}");
        Fails(["init", "--out", Path.Combine(file, "sub")], $"--out {Path.Combine(file, "sub")}: {file} is a file, not a folder");
        Fails(["corpus", "debian", "--input", Nowhere, "--out", Path.Combine(file, "c.txt")], $"{file} is a file, not a folder");
        var dir = Shared.TempDir();
        Fails(["corpus", "debian", "--input", Nowhere, "--out", dir], $"--out {dir}: is an existing folder; expected a file name");
        Assert.Equal("keep me", File.ReadAllText(file));
    }

    [Fact]
    public void TokenizeDecodeRefusesIdsOutsideTheVocabulary()
    {
        var tok = Shared.Golden("tokenizers", "mistral");
        Fails(["tokenize", "--tokenizer", tok, "--decode", "99999999999999"], "--decode: id 99999999999999 is outside the vocabulary [0, 32000)");
        Fails(["tokenize", "--tokenizer", tok, "--decode", "1,32000"], "--decode: id 32000 is outside the vocabulary [0, 32000)");
        Fails(["tokenize", "--tokenizer", tok, "--decode", "1,-5"], "--decode: id -5 is outside");
        Fails(["tokenize", "--tokenizer", tok, "--decode", "1,a"], "--decode 1,a: expected comma-separated integers");
        Assert.Equal("Hello", CliRunner.Run("tokenize", "--tokenizer", tok, "--decode", "22557").Out.Trim());
    }

    private static IEnumerable<(string Command, Type Settings)> AllSettings() => CliApp.Commands.Select(c => (c.Path, CliApp.SettingsOf(c.Command)));

    [Fact]
    public void EveryOptionOfEveryCommandHasAHelpDescription()
    {
        var missing = new List<string>();
        foreach (var (command, settings) in AllSettings())
            foreach (var p in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                if ((p.GetCustomAttribute<CommandOptionAttribute>() is not null || p.GetCustomAttribute<CommandArgumentAttribute>() is not null)
                    && string.IsNullOrWhiteSpace(p.GetCustomAttribute<DescriptionAttribute>()?.Description))
                    missing.Add($"{command} {p.Name}");
        Assert.Empty(missing);
        // Every command class of the CLI is in the list the option checks walk (a new command must not escape them).
        var commandTypes = typeof(CliApp).Assembly.GetTypes().Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(Spectre.Console.Cli.Command<>));
        Assert.Equal(commandTypes.OrderBy(t => t.Name), CliApp.Commands.Select(c => c.Command).OrderBy(t => t.Name));
    }

    [Fact]
    public void EveryNumericOptionHasADocumentedRangeThatRefusesNaNAndOutOfRangeValues()
    {
        var unchecked_ = new List<string>();
        foreach (var (command, settings) in AllSettings())
            foreach (var o in OptionInfo.Of(settings).Values.DistinctBy(o => o.Property))
            {
                if (o.ValueType != typeof(int) && o.ValueType != typeof(long) && o.ValueType != typeof(double)) continue;
                var range = o.Property.GetCustomAttribute<ValidRangeAttribute>();
                if (range is null) { unchecked_.Add($"{command} {o.Name}"); continue; }
                // The range is stated in --help (descriptions are Spectre markup: [[ is a bracket), and a value just outside it
                // is refused with the option's name.
                Assert.Contains(Spectre.Console.Markup.Escape(range.Describe()), o.Description);
                var s = Activator.CreateInstance(settings)!;
                object Value(double v) => o.ValueType == typeof(int) ? (object)(int)v : o.ValueType == typeof(long) ? (object)(long)v : (object)v;
                o.Property.SetValue(s, Value(range.MinOpen ? range.Min : range.Min - 1));
                Assert.StartsWith($"{o.Name} ", OptionRules.Check(s));
                if (o.ValueType == typeof(double))
                {
                    o.Property.SetValue(s, double.NaN);
                    Assert.StartsWith($"{o.Name} NaN: expected a finite number", OptionRules.Check(s));
                    o.Property.SetValue(s, double.PositiveInfinity);
                    Assert.StartsWith($"{o.Name} Infinity: expected a finite number", OptionRules.Check(s));
                }
                o.Property.SetValue(s, Value(range.MinOpen ? range.Min + (o.ValueType == typeof(double) ? 1e-9 : 1) : range.Min));
                Assert.Null(OptionRules.Check(s));
            }
        Assert.Empty(unchecked_);
    }

    [Fact]
    public void EveryCommandPrintsHelp()
    {
        foreach (var (command, _) in AllSettings())
        {
            var (code, output, err) = CliRunner.Run([.. command.Split(' '), "--help"]);
            Assert.True(code == 0, $"{command}: {err}");
            Assert.Contains("OPTIONS:", output);
        }
    }
}

public class BenchShapeTests
{
    [Fact]
    public void TheDefaultShapeIsFoundFromTheRepositoryNotTheCurrentFolder()
    {
        var path = SharpTune.Cli.Commands.BenchShapes.Resolve(null, null);
        Assert.True(Path.IsPathRooted(path), path);
        Assert.Equal(Path.GetFullPath(Path.Combine(Shared.Root, "bench", "smollm2-135m.json")), Path.GetFullPath(path));
        Assert.Equal(path, SharpTune.Cli.Commands.BenchShapes.Resolve(null, Shared.Root));
        var e = Assert.Throws<SharpTune.IO.SharpTuneException>(() => SharpTune.Cli.Commands.BenchShapes.Resolve(null, "/no/such/shared"));
        Assert.Equal("--shared /no/such/shared: no bench/smollm2-135m.json there (expected the reference folder with bench/)", e.Message);
    }
}
