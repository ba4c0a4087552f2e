namespace SharpTune.Adapters;

/// <summary>
/// What each method uses when the user does not say: its own peak learning rate, prompt tuning's text
/// initialisation, unfreezing's layers. One shared rate cannot suit them all — Adam moves every trainable
/// value by about the learning rate per step, so the right rate scales with the size of the values trained:
/// virtual-token embeddings (std 0.073 on the shipped base) need steps ~10× those of LoRA's low-rank factors,
/// and full fine-tuning, which moves every weight of the model, a rate ~10× lower. The rates were picked on the
/// shipped base (docs/method-defaults.md: a 3-point grid per method, 100 steps, lowest final loss).
/// </summary>
public static class MethodDefaults
{
    /// <summary>Prompt tuning's default text init (PEFT's TEXT init): real token embeddings at the embeddings' own scale.</summary>
    public const string PromptInitText = "Summarise this package description in one line:";

    /// <summary>Unfreeze with no selection trains the last two decoder layers.</summary>
    public const int UnfreezeLastLayers = 2;

    /// <summary>The peak learning rate for a method when --lr is not given.</summary>
    public static double LearningRate(string method) => method switch
    {
        "prompt-tuning" => 3e-2,
        "p-tuning" => 3e-3,
        "prefix-tuning" => 1e-2,
        "lora" => 2e-3,
        "unfreeze" => 1e-3,
        "full" => 3e-4,
        _ => throw new IO.SharpTuneException($"--method {method}: expected one of {string.Join(", ", MethodOptions.Names)}"),
    };

    /// <summary>
    /// Fills in what the user left unset: prompt tuning's init text (unless random init was asked for) and
    /// unfreezing's layers (when no layer, glob or embeddings were chosen).
    /// </summary>
    public static MethodOptions Apply(MethodOptions m, bool randomInit = false) => m.Method switch
    {
        "prompt-tuning" when m.InitText is null && !randomInit => m with { InitText = PromptInitText },
        "unfreeze" when m.LastLayers == 0 && m.Layers is null && m.Unfreeze.Count == 0 && !m.Embeddings => m with { LastLayers = UnfreezeLastLayers },
        _ => m,
    };
}
