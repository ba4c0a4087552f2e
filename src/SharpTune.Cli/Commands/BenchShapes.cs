using SharpTune.IO;
using SharpTune.Recipes;

namespace SharpTune.Cli.Commands;

/// <summary>
/// The benchmark shapes of ../shared/bench, found from the repository (not the current folder), so
/// `bench` works from anywhere; --shared DIR points at another copy of the reference folder.
/// </summary>
public static class BenchShapes
{
    public const string Default = "smollm2-135m.json";

    /// <summary>--like if given (as typed), else the default shape in SHARED/bench.</summary>
    public static string Resolve(string? like, string? shared)
    {
        if (like is not null) return File.Exists(like) ? like : throw new SharpTuneException($"--like {like}: config file not found");
        var root = shared ?? RepoPaths.Shared;
        var path = Path.Combine(root, "bench", Default);
        if (File.Exists(path)) return path;
        throw new SharpTuneException(shared is not null
            ? $"--shared {shared}: no bench/{Default} there (expected the reference folder with bench/)"
            : $"{path}: default benchmark shape not found (pass --like CONFIG, --shared DIR, or set SHARPTUNE_SHARED)");
    }
}
