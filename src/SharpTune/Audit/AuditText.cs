using SharpTune.Evaluation.Injection;

namespace SharpTune.Audit;

/// <summary>The audit's text normalisation: lower case, letters and digits only, single spaces (the injection suite's rule).</summary>
public static class AuditText
{
    public static string Normalise(string s) => InjectionSuite.Normalise(s);

    public static string[] Words(string s)
    {
        var n = Normalise(s);
        return n.Length == 0 ? [] : n.Split(' ');
    }
}
