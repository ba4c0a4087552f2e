using SharpFuzz;
using SharpTune.Fuzz;

// `SharpTune.Fuzz TARGET`           — run under afl-fuzz (reads each input from stdin, forkserver via SharpFuzz).
// `SharpTune.Fuzz TARGET FILE…`     — replay inputs without afl: prints one line per file, exit 1 if any crashed.
// `SharpTune.Fuzz --list`           — the target names.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: SharpTune.Fuzz TARGET [FILE…] | --list");
    return 2;
}
if (args[0] == "--list")
{
    foreach (var t in Targets.All.Keys) Console.WriteLine(t);
    return 0;
}
if (!Targets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"unknown target '{args[0]}' (expected one of {string.Join(", ", Targets.All.Keys)})");
    return 2;
}
if (args.Length == 1)
{
    // Out-of-process: a StackOverflow or native crash in one input is reported by afl as a crash of that input.
    Fuzzer.OutOfProcess.Run(stream => Targets.Run(target, ReadAll(stream)));
    return 0;
}
int crashed = 0;
foreach (var file in args.Skip(1))
{
    var outcome = Targets.Classify(target, File.ReadAllBytes(file));
    if (outcome.StartsWith("CRASH", StringComparison.Ordinal)) crashed++;
    Console.WriteLine($"{file}\t{outcome}");
}
return crashed == 0 ? 0 : 1;

static byte[] ReadAll(Stream s)
{
    using var ms = new MemoryStream();
    s.CopyTo(ms);
    return ms.ToArray();
}
