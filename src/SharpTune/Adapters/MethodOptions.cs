namespace SharpTune.Adapters;

/// <summary>Which adaptation method to train and its hyper-parameters (PEFT's names where PEFT has them).</summary>
public sealed record MethodOptions
{
    /// <summary>prompt-tuning, p-tuning, prefix-tuning, lora, unfreeze or full.</summary>
    public string Method { get; init; } = "lora";
    public int VirtualTokens { get; init; } = 20;
    public string? InitText { get; init; }
    public string Encoder { get; init; } = "mlp";
    public int EncoderHidden { get; init; }
    public bool PrefixProjection { get; init; }
    public int Rank { get; init; } = 8;
    public double Alpha { get; init; } = 16;
    public double Dropout { get; init; } = 0.05;
    public string Targets { get; init; } = "q_proj,v_proj";
    public bool Rslora { get; init; }
    public bool Dora { get; init; }
    public int LastLayers { get; init; }
    public string? Layers { get; init; }
    public IReadOnlyList<string> Unfreeze { get; init; } = [];
    public bool Embeddings { get; init; }

    public static readonly string[] Names = ["prompt-tuning", "p-tuning", "prefix-tuning", "lora", "unfreeze", "full"];
}
