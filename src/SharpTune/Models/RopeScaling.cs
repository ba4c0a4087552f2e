namespace SharpTune.Models;

/// <summary>
/// The <c>rope_scaling</c> block of a config: <c>linear</c> (positions divided by Factor) or <c>llama3</c>
/// (Llama 3.1's frequency-dependent rescaling of inv_freq).
/// </summary>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor = 1, double HighFreqFactor = 4, int OriginalMaxPositions = 8192);
