namespace SharpTune.Recipes;

/// <summary>
/// Where the embedded defaults live: the repository (found above the running binary, else above the current
/// folder) and the reference folder ../shared beside it ($SHARPTUNE_SHARED overrides). Defaults never depend
/// on the current folder being the repository.
/// </summary>
public static class RepoPaths
{
    public static string? Root { get; } = Find();

    private static string? Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "SharpTune.slnx"))) return d.FullName;
        return null;
    }

    public static string BaseModel => Path.Combine(Root ?? ".", "models", "sharptune-base");

    /// <summary>The shared reference folder: $SHARPTUNE_SHARED, else ../shared beside the repository.</summary>
    public static string Shared => Environment.GetEnvironmentVariable("SHARPTUNE_SHARED") is { Length: > 0 } env
        ? Path.GetFullPath(env) : Path.GetFullPath(Path.Combine(Root ?? ".", "..", "shared"));

    public static string SharedData(string file) => Path.Combine(Shared, "data", "debian-descriptions", file);
}
