namespace SharpTune.Engine;

/// <summary>What a request's <c>model</c> names: the base ("sharptune-base"), an adapter ("retell"), or both ("sharptune-base:retell").</summary>
public static class ModelNames
{
    /// <summary>True when <paramref name="model"/> names this engine's base or one of its adapters; <paramref name="adapter"/> is null for the base.</summary>
    public static bool TryResolve(this IGenerationEngine engine, string model, out string? adapter)
    {
        adapter = null;
        if (model == engine.BaseName) return true;
        var name = model;
        int colon = model.IndexOf(':');
        if (colon >= 0)
        {
            if (model[..colon] != engine.BaseName) return false;
            name = model[(colon + 1)..];
        }
        if (!engine.Adapters.Contains(name)) return false;
        adapter = name;
        return true;
    }

    /// <summary>Every name a client may send, base first.</summary>
    public static IEnumerable<string> All(IGenerationEngine engine) => [engine.BaseName, .. engine.Adapters];
}
