using System.Runtime.InteropServices;

namespace SharpTune.IO;

/// <summary>
/// The one guard every command's <c>--out</c> folder goes through, so no command overwrites a model, adapter,
/// tokenizer or run unless told to (<c>--force</c>; <c>--resume</c> for training runs).
/// <list type="bullet">
/// <item>Model, adapter and tokenizer folders (<see cref="Write"/>) are built in a hidden sibling folder and swapped
/// in by one rename (Linux: renameat2 RENAME_EXCHANGE), so a crash leaves either the old folder or the new one,
/// never a mix.</item>
/// <item>Run folders (<see cref="StartRun"/>) are written during the run (checkpoints, metrics), so with --force the
/// old folder is renamed aside and deleted before the run starts; each file in them is written atomically.</item>
/// </list>
/// --force only ever replaces a folder that holds something SharpTune or Hugging Face writes, and never one that
/// is, holds or lies inside an input of the same command.
/// </summary>
public static class OutputFolder
{
    // Files and folders that mark a folder as a model, adapter, tokenizer or run, i.e. safe for --force to replace.
    private static readonly string[] Markers =
    [
        "config.json", "model.safetensors", "model.safetensors.index.json", "adapter_config.json", "adapter_model.safetensors",
        "tokenizer.json", "metrics.jsonl", "run.json", "checkpoint", "checkpoint.old", "checkpoint.tmp", "report.md", "train-sample.jsonl", "audit.jsonl",
    ];

    /// <summary>
    /// Refuses, before any work, what <see cref="StartRun"/> would refuse: --out naming a file or overlapping an
    /// input, --resume with --force, and a non-empty folder without --resume or --force.
    /// </summary>
    public static void CheckRun(string dir, bool resume, bool force, IEnumerable<(string Option, string? Path)> inputs, string option = "--out")
    {
        if (resume && force)
            throw new SharpTuneException($"--resume and --force contradict each other: --resume continues the run in {dir}, --force replaces it");
        CheckTarget(dir, inputs, option, replacing: force);
        if (resume || IsEmpty(dir)) return; // --resume: the trainer says so when there is no checkpoint.
        if (!force)
            throw new SharpTuneException($"{option} {dir}: the folder exists and is not empty (a previous run?); pass --resume to continue it or --force to replace it");
        RefuseForeign(dir, option);
    }

    /// <summary>Checks as <see cref="CheckRun"/> does, then (with --force) removes the previous run and creates the folder.</summary>
    public static void StartRun(string dir, bool resume, bool force, IEnumerable<(string Option, string? Path)> inputs, string option = "--out")
    {
        var list = inputs.ToList();
        CheckRun(dir, resume, force, list, option);
        if (!resume && force && !IsEmpty(dir))
        {
            // One rename takes the whole previous run away, so the folder is never half old, half new.
            var aside = Sibling(dir, "replaced");
            Directory.Move(dir, aside);
            Directory.Delete(aside, true);
        }
        Directory.CreateDirectory(dir);
    }

    /// <summary>
    /// Writes a model/adapter/tokenizer folder: <paramref name="write"/> fills a fresh hidden sibling folder, which
    /// then replaces <paramref name="dir"/> in one rename. Without <paramref name="force"/> a non-empty folder is refused.
    /// </summary>
    public static void Write(string dir, bool force, IEnumerable<(string Option, string? Path)> inputs, Action<string> write, string option = "--out")
    {
        Check(dir, force, inputs, option);
        var tmp = Sibling(dir, "partial");
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        try { write(tmp); }
        catch
        {
            try { Directory.Delete(tmp, true); } catch (IOException) { }
            throw;
        }
        Swap(tmp, dir);
    }

    /// <summary>The checks of <see cref="Write"/>, for commands that want to refuse before loading anything.</summary>
    public static void Check(string dir, bool force, IEnumerable<(string Option, string? Path)> inputs, string option = "--out")
    {
        CheckTarget(dir, inputs, option, replacing: force);
        if (IsEmpty(dir)) return;
        if (!force) throw new SharpTuneException($"{option} {dir}: the folder exists and is not empty; pass --force to replace it");
        RefuseForeign(dir, option);
    }

    private static void CheckTarget(string dir, IEnumerable<(string Option, string? Path)> inputs, string option, bool replacing)
    {
        if (string.IsNullOrWhiteSpace(dir)) throw new SharpTuneException($"{option} is empty; expected a folder");
        if (File.Exists(dir)) throw new SharpTuneException($"{option} {dir} is an existing file; expected a folder");
        var outPath = RealPath(dir);
        foreach (var (inOption, inPath) in inputs)
        {
            if (string.IsNullOrEmpty(inPath)) continue;
            var input = RealPath(inPath);
            if (input == outPath) throw new SharpTuneException($"{option} {dir} is the {inOption} folder; write to another folder");
            if (Directory.Exists(inPath) && IsInside(outPath, input))
                throw new SharpTuneException($"{option} {dir} is inside the {inOption} folder {inPath}; write to another folder");
            if (replacing && IsInside(input, outPath))
                throw new SharpTuneException($"{option} {dir} contains {inOption} {inPath}, which --force would delete; write to another folder");
        }
    }

    private static void RefuseForeign(string dir, string option)
    {
        var full = RealPath(dir);
        var cwd = RealPath(Directory.GetCurrentDirectory());
        bool marked = Markers.Any(m => File.Exists(Path.Combine(dir, m)) || Directory.Exists(Path.Combine(dir, m)));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        bool precious = full == cwd || IsInside(cwd, full) || Path.GetDirectoryName(full) is null || (home != "" && full == RealPath(home));
        if (precious)
            throw new SharpTuneException($"{option} {dir}: is the current, home or root folder (or holds the current one); refusing to replace it even with --force");
        if (!marked)
            throw new SharpTuneException($"{option} {dir}: the folder is not empty and holds no model, adapter, tokenizer or run; refusing to replace it even with --force");
    }

    private static bool IsEmpty(string dir) => !Directory.Exists(dir) || !Directory.EnumerateFileSystemEntries(dir).Any();

    private static bool IsInside(string path, string folder) =>
        path.StartsWith(folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static string Sibling(string dir, string kind)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        var parent = Path.GetDirectoryName(full) ?? throw new SharpTuneException($"--out {dir}: cannot write a file-system root");
        Directory.CreateDirectory(parent);
        return Path.Combine(parent, $".{Path.GetFileName(full)}.{kind}-{Environment.ProcessId}");
    }

    /// <summary>Moves <paramref name="tmp"/> to <paramref name="dir"/>, replacing it in one step where the OS allows.</summary>
    private static void Swap(string tmp, string dir)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        if (!Directory.Exists(target)) { Directory.Move(tmp, target); return; }
        if (OperatingSystem.IsLinux() && TryExchange(tmp, target))
        {
            Directory.Delete(tmp, true); // now the old folder
            return;
        }
        // Elsewhere: two renames; a crash between them leaves the old folder under a hidden ".NAME.replaced-PID" name.
        var aside = Sibling(dir, "replaced");
        Directory.Move(target, aside);
        Directory.Move(tmp, target);
        Directory.Delete(aside, true);
    }

    private const int AtFdCwd = -100, RenameExchange = 2;

    [DllImport("libc", SetLastError = true, EntryPoint = "renameat2")]
    private static extern int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);

    private static bool TryExchange(string a, string b)
    {
        try { return RenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchange) == 0; }
        catch (EntryPointNotFoundException) { return false; }
        catch (DllNotFoundException) { return false; }
    }

    /// <summary>The absolute path with symbolic links resolved in every existing component, so a link cannot hide an overlap.</summary>
    public static string RealPath(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var root = Path.GetPathRoot(full) ?? "/";
        var current = root;
        for (int depth = 0; depth < 40; depth++)
        {
            bool restarted = false;
            var rest = full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < rest.Length; i++)
            {
                var next = Path.Combine(current, rest[i]);
                FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
                if (info.Exists && info.LinkTarget is not null && info.ResolveLinkTarget(true) is { } target)
                {
                    // Start over from the link's target with the remaining components appended.
                    full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine([target.FullName, .. rest[(i + 1)..]])));
                    current = Path.GetPathRoot(full) ?? "/";
                    restarted = true;
                    break;
                }
                current = next;
            }
            if (!restarted) return Path.TrimEndingDirectorySeparator(current);
        }
        return full;
    }
}
