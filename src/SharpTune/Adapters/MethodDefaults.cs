namespace SharpTune.Adapters;

/// <summary>
/// What each method uses when the user does not say: its own peak learning rate and warm-up, prompt tuning's
/// text initialisation, unfreezing's layers. One shared rate cannot suit them all: Adam moves every trained value
/// by about the learning rate per step, whatever its gradient, so the right rate follows the scale of what is
/// trained and how much of the model it moves — virtual-token embeddings (std 0.073 on the shipped base) or
/// prefix keys and values want rates ~100× LoRA's, full fine-tuning (every weight) one ~7× lower. The rates are
/// each method's best dev loss in a per-method grid on the shipped base (docs/method-defaults.md).
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
        "prompt-tuning" => 3e-1,
        "p-tuning" => 1e-2,
        "prefix-tuning" => 3e-1,
        "lora" => 2e-3,
        "unfreeze" => 1e-3,
        "full" => 3e-4,
        _ => throw new IO.SharpTuneException($"--method {method}: expected one of {string.Join(", ", MethodOptions.Names)}"),
    };

    /// <summary>
    /// Warm-up steps when --warmup is not given: the prompt methods, whose rates are 50–150× LoRA's, warm up over
    /// the first 10% of the steps (prompt tuning at 3e-1 without it: dev loss 4.78 instead of 4.52 — the first
    /// full-size steps throw the text init far off); the others start at their peak rate.
    /// </summary>
    public static long WarmupSteps(string method, long maxSteps) => method is "prompt-tuning" or "p-tuning" or "prefix-tuning" ? maxSteps / 10 : 0;

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
