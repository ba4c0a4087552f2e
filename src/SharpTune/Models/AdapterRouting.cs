using static TorchSharp.torch;

namespace SharpTune.Models;

/// <summary>
/// Which named adapter applies to which batch rows during one forward (PEFT's adapter_names of a mixed batch).
/// <see cref="AdapterRows.Rows"/> null means every row: that group takes the layer's in-place path. Rows in no
/// group get the base alone; while a routing is set, a layer's active adapter is not applied.
/// </summary>
public sealed record AdapterRouting(IReadOnlyList<AdapterRows> Groups)
{
    /// <summary>The base alone for every row.</summary>
    public static readonly AdapterRouting None = new([]);

    /// <summary>One adapter on every row.</summary>
    public static AdapterRouting All(string name) => new([new AdapterRows(name, null)]);
}

/// <param name="Rows">Int64 row indices on the model's device, or null for the whole batch.</param>
public sealed record AdapterRows(string Name, Tensor? Rows);
