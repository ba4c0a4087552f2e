using System.Text.Json;
using SharpTune.IO;
using SharpTune.Recipes;

namespace SharpTune.Cli.Commands.Compare;

/// <summary>
/// bench/pytorch/reference.py run by Debian's python3-torch: checked once (torch importable, OpenBLAS as its BLAS —
/// Debian's reference BLAS is ~40x slower and would flatter SharpTune), then run one workload per process.
/// </summary>
public sealed class PyTorchReference
{
    public const string DefaultPython = "/usr/bin/python3";
    public const string AptCommand = "apt-get update && apt-get install -y python3-torch libopenblas0-openmp";

    public string Python { get; }
    public string Script { get; }
    /// <summary>What `reference.py env` said: torch version, BLAS libraries mapped, threads, GEMM GFLOP/s.</summary>
    public JsonElement Environment { get; }

    private PyTorchReference(string python, string script, JsonElement env) { Python = python; Script = script; Environment = env; }

    public static string DefaultScript => Path.Combine(RepoPaths.Root ?? ".", "bench", "pytorch", "reference.py");

    /// <summary>The reference ready to run, or a one-line error saying what to install.</summary>
    public static PyTorchReference Open(string python, string? script = null)
    {
        script ??= DefaultScript;
        if (!File.Exists(script)) throw new SharpTuneException($"{script}: the PyTorch reference script is missing (it ships in bench/pytorch/ of the repository)");
        if (!File.Exists(python)) throw new SharpTuneException($"--python {python}: not found (install Debian's python3 and torch: {AptCommand})");
        string line;
        try { line = JsonChild.Run(python, [script, "env"], "the PyTorch reference (reference.py env)"); }
        catch (SharpTuneException e) when (e.Message.Contains("No module named 'torch'"))
        {
            throw new SharpTuneException($"--python {python}: torch is not installed for it (run: {AptCommand})");
        }
        var env = JsonDocument.Parse(line).RootElement.Clone();
        var libs = env.GetProperty("blas_libraries").EnumerateArray().Select(e => e.GetString() ?? "").ToList();
        if (!libs.Any(l => l.Contains("openblas", StringComparison.Ordinal)))
            throw new SharpTuneException($"--python {python}: torch's BLAS is {(libs.Count == 0 ? "unknown" : string.Join(", ", libs))}, not OpenBLAS; Debian's reference BLAS " +
                "is ~40x slower (run: apt-get install -y libopenblas0-openmp, or update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3)");
        return new PyTorchReference(python, script, env);
    }

    /// <summary>Why the reference cannot run here, or null when it can (tests skip with this message).</summary>
    public static string? Unavailable(string python = DefaultPython)
    {
        try { Open(python); return null; }
        catch (SharpTuneException e) { return e.Message; }
    }

    public string TorchVersion => Environment.GetProperty("torch").GetString() ?? "?";
    public IEnumerable<string> BlasLibraries => Environment.GetProperty("blas_libraries").EnumerateArray().Select(e => e.GetString() ?? "");

    /// <summary>Runs one `reference.py` command (with --threads) and returns its JSON result.</summary>
    public JsonElement Run(int threads, IEnumerable<string> args, CancellationToken cancel = default)
    {
        var all = new List<string> { Script, "--threads", $"{threads}" };
        all.AddRange(args);
        var line = JsonChild.Run(Python, all, $"the PyTorch reference ({string.Join(' ', args.Take(3))})", cancel);
        return JsonDocument.Parse(line).RootElement.Clone();
    }
}
