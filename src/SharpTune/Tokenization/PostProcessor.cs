using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>
/// The <c>post_processor</c>: adds special tokens around an encoding when add_special_tokens is on
/// (TemplateProcessing's "single" template, or Roberta/Bert's cls … sep). ByteLevel's is a no-op on ids.
/// </summary>
public sealed class PostProcessor
{
    private readonly List<int>? _prefix, _suffix;

    private PostProcessor(List<int>? prefix, List<int>? suffix) { _prefix = prefix; _suffix = suffix; }

    public static PostProcessor? FromJson(JsonNode? node, string source)
    {
        if (node is not JsonObject o) return null;
        string type = o["type"]?.GetValue<string>() ?? throw new SharpTuneException($"{source}: post_processor without 'type'");
        switch (type)
        {
            case "ByteLevel":
                return null;
            case "Sequence":
            {
                var parts = o["processors"]!.AsArray().Select(p => FromJson(p, source)).Where(p => p is not null).ToList();
                if (parts.Count > 1) throw new SharpTuneException($"{source}: more than one id-changing post_processor in a Sequence is not supported");
                return parts.FirstOrDefault();
            }
            case "TemplateProcessing":
            {
                var specials = o["special_tokens"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!["ids"]!.AsArray().Select(i => i!.GetValue<int>()).ToList());
                List<int> prefix = [], suffix = [];
                bool seenSequence = false;
                foreach (var item in o["single"]!.AsArray())
                {
                    if (item!["Sequence"] is not null) { seenSequence = true; continue; }
                    var id = item["SpecialToken"]!["id"]!.GetValue<string>();
                    var ids = specials.TryGetValue(id, out var v) ? v : throw new SharpTuneException($"{source}: post_processor template names '{id}' without special_tokens entry");
                    (seenSequence ? suffix : prefix).AddRange(ids);
                }
                return new PostProcessor(prefix, suffix);
            }
            case "RobertaProcessing":
            case "BertProcessing":
                return new PostProcessor([o["cls"]![1]!.GetValue<int>()], [o["sep"]![1]!.GetValue<int>()]);
            default:
                throw new SharpTuneException($"{source}: post_processor type '{type}' is not supported");
        }
    }

    public List<int> Apply(List<int> ids)
    {
        var result = new List<int>(ids.Count + 4);
        if (_prefix is not null) result.AddRange(_prefix);
        result.AddRange(ids);
        if (_suffix is not null) result.AddRange(_suffix);
        return result;
    }
}
