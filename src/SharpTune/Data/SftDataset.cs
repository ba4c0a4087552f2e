using System.Text.Json;
using SharpTune.IO;
using SharpTune.Tokenization;

namespace SharpTune.Data;

/// <summary>
/// Supervised fine-tuning data from JSONL in three shapes — {source, summary} with a prompt template, Alpaca
/// {instruction, input, output}, and chat {messages: […]} rendered by the tokenizer's chat template. Prompt
/// and answer are tokenized separately and only answer tokens (plus the end-of-sequence token) carry loss.
/// For chat, each assistant turn's text is the difference between the template rendered up to that turn with
/// the generation prompt and rendered through it, so the mask never depends on searching for markers.
/// </summary>
public static class SftDataset
{
    public static List<SftExample> Load(string path, Tokenizer tok, SftDataOptions o) => Load(path, tok, o, out _);

    /// <summary>As <see cref="Load(string, Tokenizer, SftDataOptions)"/>, also saying how many over-long examples were cut or skipped.</summary>
    public static List<SftExample> Load(string path, Tokenizer tok, SftDataOptions o, out SftOverflowReport overflow)
    {
        int truncated = 0, skipped = 0;
        int eos = tok.EosTokenId ?? throw new SharpTuneException("the tokenizer names no eos_token; answers need one to end on");
        var examples = new List<SftExample>();
        foreach (var (line, obj) in JsonlReader.Read(path))
        {
            var format = o.Format != SftFormat.Auto ? o.Format
                : obj.TryGetProperty("messages", out _) ? SftFormat.Chat
                : obj.TryGetProperty("instruction", out _) ? SftFormat.Alpaca
                : obj.TryGetProperty("source", out _) ? SftFormat.Pairs
                : throw new SharpTuneException($"{path}:{line}: cannot tell the format (expected 'source'+'summary', 'instruction'+'output', or 'messages')");
            var example = format switch
            {
                SftFormat.Pairs => Pair(obj, path, line, tok, o, eos),
                SftFormat.Alpaca => Alpaca(obj, path, line, tok, o, eos),
                _ => Chat(obj, path, line, tok),
            };
            if (example.Length > o.MaxLength)
            {
                if (o.Overflow == "skip") { skipped++; continue; }
                if (o.Overflow != "truncate") throw new SharpTuneException($"{path}:{line}: example is {example.Length} tokens, over --max-length {o.MaxLength} (use --overflow truncate or skip)");
                example = Truncate(example, o.MaxLength, path, line);
            }
            if (example.Cut) truncated++;
            examples.Add(example);
            if (o.Limit is int lim && examples.Count >= lim) break;
        }
        if (examples.Count == 0) throw new SharpTuneException($"{path}: no examples{(skipped > 0 ? $" ({skipped} over --max-length {o.MaxLength} were skipped)" : "")}");
        overflow = new SftOverflowReport(truncated, skipped);
        return examples;
    }

    private static SftExample Pair(JsonElement obj, string path, int line, Tokenizer tok, SftDataOptions o, int eos)
    {
        var source = JsonlReader.RequireString(obj, "source", path, line);
        var summary = JsonlReader.RequireString(obj, "summary", path, line);
        int[] answer = [.. tok.Encode(" " + summary.Trim(), false), eos];
        return Fit(s => PairPrompt(o.PairTemplate, s), source, answer, tok, o, path, line);
    }

    /// <summary>
    /// The example with its prompt rendered from `text`; when over --max-length and overflow is truncate, the text
    /// (the source, never the answer or the template around it) is cut at the last word boundary that fits, and the
    /// prompt is rendered and tokenized again, so the template's tail ("Description:") is intact and tokenized as
    /// at inference.
    /// </summary>
    private static SftExample Fit(Func<string, string> render, string text, int[] answer, Tokenizer tok, SftDataOptions o, string path, int line)
    {
        int[] Prompt(int chars) => tok.Encode(render(chars == text.Length ? text : text[..chars].TrimEnd()));
        var full = Prompt(text.Length);
        if (full.Length + answer.Length <= o.MaxLength || o.Overflow != "truncate")
            return new SftExample(line, [(full, false), (answer, true)]);
        // Cut points: word starts (or every character when the text has no spaces), never inside a surrogate pair.
        var cuts = Enumerable.Range(0, text.Length).Where(i => i == 0 || char.IsWhiteSpace(text[i])).ToList();
        if (cuts.Count < 2) cuts = Enumerable.Range(0, text.Length).Where(i => !char.IsLowSurrogate(text[i])).ToList();
        int least = Prompt(0).Length + answer.Length;
        if (least > o.MaxLength)
            throw new SharpTuneException($"{path}:{line}: example cannot be truncated to --max-length {o.MaxLength} tokens (the prompt template and answer alone are {least})");
        int lo = 0, hi = cuts.Count - 1; // cuts[lo] fits; find the last cut that fits (length grows with the cut)
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Prompt(cuts[mid]).Length + answer.Length <= o.MaxLength) lo = mid; else hi = mid - 1;
        }
        return new SftExample(line, [(Prompt(cuts[lo]), false), (answer, true)]) { Cut = true };
    }

    /// <summary>The prompt for a pair: {source} is the text, {source_indented} the text as a Debian description body.</summary>
    public static string PairPrompt(string template, string source) =>
        template.Replace("{source_indented}", DebianStanza.IndentedBody(source)).Replace("{source}", source);

    public static string AlpacaPrompt(string instruction, string? input) => string.IsNullOrWhiteSpace(input)
        ? $"Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n"
        : $"Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n";

    private static SftExample Alpaca(JsonElement obj, string path, int line, Tokenizer tok, SftDataOptions o, int eos)
    {
        var instruction = JsonlReader.RequireString(obj, "instruction", path, line);
        var input = obj.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        var output = JsonlReader.RequireString(obj, "output", path, line);
        int[] answer = [.. tok.Encode(output, false), eos];
        // The input is Alpaca's source text: it is what gets cut, not the instruction.
        return string.IsNullOrWhiteSpace(input)
            ? new SftExample(line, [(tok.Encode(AlpacaPrompt(instruction, input)), false), (answer, true)])
            : Fit(text => AlpacaPrompt(instruction, text), input, answer, tok, o, path, line);
    }

    private static SftExample Chat(JsonElement obj, string path, int line, Tokenizer tok)
    {
        if (!obj.TryGetProperty("messages", out var msgs) || msgs.ValueKind != JsonValueKind.Array || msgs.GetArrayLength() == 0)
            throw new SharpTuneException($"{path}:{line}: field 'messages' is missing or not a non-empty array");
        var list = msgs.EnumerateArray().ToList();
        for (int k = 0; k < list.Count; k++)
        {
            if (list[k].ValueKind != JsonValueKind.Object) throw new SharpTuneException($"{path}:{line}: messages[{k}] is not an object");
            JsonlReader.RequireString(list[k], "role", path, line);
            JsonlReader.RequireString(list[k], "content", path, line, allowEmpty: true);
        }
        if (!list.Any(m => m.GetProperty("role").GetString() == "assistant"))
            throw new SharpTuneException($"{path}:{line}: no assistant message to learn from");
        var segments = new List<(int[], bool)>();
        string done = "";
        for (int k = 0; k < list.Count; k++)
        {
            if (list[k].GetProperty("role").GetString() != "assistant") continue;
            if (string.IsNullOrWhiteSpace(list[k].GetProperty("content").GetString()))
                throw new SharpTuneException($"{path}:{line}: messages[{k}] (assistant) has empty content");
            var before = tok.Render(JsonSerializer.SerializeToElement(list.Take(k)), addGenerationPrompt: true);
            var through = tok.Render(JsonSerializer.SerializeToElement(list.Take(k + 1)), addGenerationPrompt: false);
            if (!before.StartsWith(done, StringComparison.Ordinal) || !through.StartsWith(before, StringComparison.Ordinal))
                throw new SharpTuneException($"{path}:{line}: the chat template does not render conversations prefix-stably, so turns cannot be masked");
            segments.Add((tok.Encode(before[done.Length..], false), false));
            segments.Add((tok.Encode(through[before.Length..], false), true));
            done = through;
        }
        return new SftExample(line, segments);
    }

    // What Fit could not shorten (chat turns, an Alpaca instruction without input): drop tokens from the end of the
    // first prompt segment, keeping its last 4 (the turn's closing markup), until the example fits.
    private static SftExample Truncate(SftExample e, int max, string path, int line)
    {
        int excess = e.Length - max;
        var first = e.Segments[0];
        if (first.Train || first.Tokens.Length - excess < 8)
            throw new SharpTuneException($"{path}:{line}: example cannot be truncated to {max} tokens (its answer alone is too long)");
        var kept = first.Tokens.Take(first.Tokens.Length - excess - 4).Concat(first.Tokens.TakeLast(4)).ToArray();
        return e with { Segments = [(kept, false), .. e.Segments.Skip(1)], Cut = true };
    }
}
