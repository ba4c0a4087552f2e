namespace SharpTune.Adapters;

/// <summary>
/// Which weights partial fine-tuning trains: the last N decoder layers, layer index ranges ("0-3,10"), name
/// globs ("layers.*.mlp.*", "lm_head", "norm"; * is one name segment), and the embeddings or not.
/// </summary>
public sealed record UnfreezeSpec(int LastLayers = 0, string? LayerRanges = null, IReadOnlyList<string>? Globs = null, bool Embeddings = false);
