namespace SharpTune.IO;

/// <summary>
/// Keeps file names read from a file (shard names in model.safetensors.index.json) inside the folder they
/// belong to: no absolute paths, no "..", and no symbolic link whose target lies outside the folder.
/// </summary>
public static class PathGuard
{
    /// <summary>
    /// Resolves <paramref name="relative"/> under <paramref name="dir"/> or throws, without opening the file.
    /// The one link allowed out of the folder is the Hugging Face hub cache's own layout, where
    /// <c>snapshots/REV/x</c> links to <c>../../blobs/HASH</c> of the same repository.
    /// </summary>
    public static string Resolve(string dir, string relative, string source, string field)
    {
        if (relative.Length == 0 || relative.Contains('\0'))
            throw new SharpTuneException($"{source}: {field} is empty or not a file name");
        var shown = JsonInput.Clip(relative);
        if (Path.IsPathRooted(relative) || relative.StartsWith('~'))
            throw new SharpTuneException($"{source}: {field} '{shown}' is an absolute path; expected a file inside the model folder");
        if (relative.Split('/', '\\').Any(part => part == ".."))
            throw new SharpTuneException($"{source}: {field} '{shown}' contains '..'; expected a file inside the model folder");
        var full = Path.GetFullPath(Path.Combine(dir, relative));
        var realDir = RealPath(Path.GetFullPath(dir));
        var real = RealPath(full);
        bool inside = IsInside(real, realDir);
        if (!inside && Path.GetFileName(Path.GetDirectoryName(realDir)) == "snapshots")
            inside = IsInside(real, Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(realDir)!)!, "blobs"));
        if (!inside)
            throw new SharpTuneException($"{source}: {field} '{shown}' resolves through a symbolic link to {JsonInput.Clip(real, 160)}, outside the model folder");
        return full;
    }

    public static bool IsInside(string path, string dir) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(dir) + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it resolved (parts that do not exist are kept as they are).</summary>
    public static string RealPath(string fullPath, int depth = 0)
    {
        if (depth > 40) throw new SharpTuneException($"{fullPath}: too many levels of symbolic links");
        var root = Path.GetPathRoot(fullPath) ?? "/";
        var current = root;
        foreach (var part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            var info = new FileInfo(next);
            if (info.LinkTarget is string target)
                next = RealPath(Path.GetFullPath(Path.Combine(current, target)), depth + 1);
            current = next;
        }
        return current;
    }
}
