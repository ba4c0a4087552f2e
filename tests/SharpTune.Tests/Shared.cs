namespace SharpTune.Tests;

/// <summary>Locates ../shared (the read-only reference folder beside the repository).</summary>
public static class Shared
{
    public static string Root { get; } = FindRoot();

    public static string Golden(params string[] parts) => Path.Combine([Root, "golden", .. parts]);

    public static string RepoRoot { get; } = FindRepo();

    private static string FindRepo()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SharpTune.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (SharpTune.slnx) above " + AppContext.BaseDirectory);
    }

    private static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("SHARPTUNE_SHARED");
        if (!string.IsNullOrEmpty(env)) return env;
        var path = Path.GetFullPath(Path.Combine(FindRepo(), "..", "shared"));
        if (!Directory.Exists(Path.Combine(path, "golden")))
            throw new InvalidOperationException($"reference folder {path}/golden not found (set SHARPTUNE_SHARED)");
        return path;
    }

    private static readonly string TempRoot = CreateTempRoot();

    private static string CreateTempRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "sharptune-tests", Environment.ProcessId.ToString());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(root, true); } catch (IOException) { } };
        return root;
    }

    public static string TempDir()
    {
        var d = Path.Combine(TempRoot, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
