namespace SharpTune.Training;

/// <summary>Learning-rate schedules with linear warm-up, as in transformers' get_*_schedule_with_warmup.</summary>
public static class LrSchedule
{
    /// <param name="step">0-based optimizer step about to be taken.</param>
    public static double At(string kind, double peak, long step, long warmup, long total, double minRatio = 0.0)
    {
        if (warmup > 0 && step < warmup) return peak * (step + 1) / warmup;
        double progress = total <= warmup ? 1.0 : Math.Clamp((double)(step - warmup) / (total - warmup), 0, 1);
        double factor = kind switch
        {
            "constant" => 1.0,
            "linear" => 1.0 - progress,
            "cosine" => 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => throw new IO.SharpTuneException($"--schedule {kind}: expected constant, linear or cosine"),
        };
        return peak * (minRatio + (1 - minRatio) * factor);
    }
}
