namespace SharpTune.Recipes;

/// <summary>Where the embedded defaults live: the repository (found above the running binary) and ../shared beside it.</summary>
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

    public static string SharedData(string file) =>
        Path.GetFullPath(Path.Combine(Root ?? ".", "..", "shared", "data", "debian-descriptions", file));
}
