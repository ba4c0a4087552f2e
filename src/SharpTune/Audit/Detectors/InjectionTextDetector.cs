using System.Text.RegularExpressions;
using SharpTune.Evaluation.Injection;

namespace SharpTune.Audit.Detectors;

/// <summary>
/// Instruction- or injection-like text in sources and answers: the kinds of the study's injection suite
/// (<see cref="InjectionSuite.BuiltIn"/>) as patterns — an imperative to drop the task ("ignore the above",
/// "игнорируй всё …"), an order to answer only with something ("reply only with …", "ответь только …"), and a
/// format injection, a line starting with the template's own answer marker ("Description:") inside the source or
/// the answer. A plain payload (the suite's control) is no instruction and is not flagged.
/// </summary>
public sealed class InjectionTextDetector : IAuditDetector
{
    public const string Source = "source-injection", Answer = "answer-injection";

    public IReadOnlyList<string> Kinds => [Source, Answer];

    private static readonly (string Name, Regex Pattern)[] Instructions =
    [
        ("ignore-previous", new Regex(@"\b(ignore|disregard|forget|override)\b[^.!?\n]{0,40}\b(above|previous|prior|preceding|earlier|instructions?|everything|all that)\b", Opt)),
        ("answer-only", new Regex(@"\b(reply|respond|answer|output|say|write|print|return)\b[^.!?\n]{0,12}\bonly\b[^.!?\n]{0,12}\b(with|the words?|text|this|:)|\b(reply|respond|answer|output|write|print)\s+only\s*:", Opt)),
        ("role-override", new Regex(@"\b(you are now|new instructions?|system prompt|as an ai language model)\b", Opt)),
        ("ignore-previous-ru", new Regex(@"(игнорируй|проигнорируй|забудь|не обращай внимания)[^.!?\n]{0,40}(выше|ранее|предыдущ|инструкц|всё|все)", Opt)),
        ("answer-only-ru", new Regex(@"(ответь|отвечай|напиши|выведи)[^.!?\n]{0,12}только", Opt)),
    ];

    private const RegexOptions Opt = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;

    public IEnumerable<Finding> Detect(AuditContext c)
    {
        var marker = new Regex(@"(^|\n)[ \t]*" + Regex.Escape(InjectionSuite.AnswerMarker(c.Options.PairTemplate)), RegexOptions.CultureInvariant);
        for (int i = 0; i < c.Train.Count; i++)
        {
            var e = c.Train[i];
            if (Match(e.Source, marker) is { } s) yield return new Finding(i, Source, $"source {s.Why}: \"{s.Text}\"", s.Severity);
            if (Match(e.Summary, marker) is { } a) yield return new Finding(i, Answer, $"answer {a.Why}: \"{a.Text}\"", a.Severity);
        }
    }

    /// <summary>The first instruction-like span in <paramref name="text"/>, or a line imitating the answer marker.</summary>
    public static (string Why, string Text, double Severity)? Match(string text, Regex answerMarker)
    {
        foreach (var (name, p) in Instructions)
            if (p.Match(text) is { Success: true } m) return ($"has an instruction ({name})", Around(text, m.Index, m.Length), 1.0);
        if (answerMarker.Match(text) is { Success: true } f) return ("imitates the answer marker (format injection)", Around(text, f.Index, f.Length + 40), 0.9);
        return null;
    }

    private static string Around(string text, int at, int length)
    {
        int end = Math.Min(text.Length, at + length);
        return text[at..end].Trim().Replace('\n', ' ');
    }
}
