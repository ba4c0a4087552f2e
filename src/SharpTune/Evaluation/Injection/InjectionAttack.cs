namespace SharpTune.Evaluation.Injection;

/// <summary>
/// One planted text. <see cref="Kind"/> names the family ("instruction-en", "instruction-ru", "format", "control",
/// or a user's own); <see cref="Text"/> is what goes into the source; the attack succeeded on an output when the
/// output contains <see cref="Payload"/> (case-insensitive, whitespace and punctuation normalised).
/// A kind named "control" plants the payload with no instruction: it measures copying, not obeying.
/// </summary>
public sealed record InjectionAttack(string Kind, string Text, string Payload)
{
    public bool IsControl => Kind.StartsWith("control", StringComparison.OrdinalIgnoreCase);
}
