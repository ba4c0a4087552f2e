namespace SharpTune.Evaluation.Injection;

/// <summary>Where the attack is planted in the source: before it, at the sentence boundary nearest its middle, or after it.</summary>
public enum InjectionPosition { Start, Middle, End }
