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

    public static PostProcessor? FromJson(JsonFields parent, string key) => parent.SubObj(key) is JsonFields o ? FromFields(o) : null;

    private static PostProcessor? FromFields(JsonFields o)
    {
        string type = o.ReqStr("type");
        switch (type)
        {
            case "ByteLevel":
                return null;
            case "Sequence":
            {
                var parts = o.Objects("processors").Select(FromFields).Where(p => p is not null).ToList();
                if (parts.Count > 1) throw new SharpTuneException($"{o.File}: more than one id-changing post_processor in a Sequence is not supported");
                return parts.FirstOrDefault();
            }
            case "TemplateProcessing":
            {
                var specialsObj = o.SubObj("special_tokens") ?? throw o.Missing("special_tokens", "an object");
                var specials = new Dictionary<string, List<int>>();
                foreach (var (name, _) in specialsObj.Object)
                {
                    var entry = specialsObj.SubObj(name) ?? throw specialsObj.Error(name, "an object with ids");
                    var ids = entry.Arr("ids") ?? throw entry.Missing("ids", "a list of token ids");
                    specials[name] = Enumerable.Range(0, ids.Count).Select(i => TokenId(entry, "ids", ids[i], i)).ToList();
                }
                List<int> prefix = [], suffix = [];
                bool seenSequence = false;
                foreach (var item in o.Objects("single"))
                {
                    if (item.Has("Sequence")) { seenSequence = true; continue; }
                    var special = item.SubObj("SpecialToken") ?? throw item.Missing("SpecialToken", "an object (or Sequence)");
                    var id = special.ReqStr("id");
                    var ids = specials.TryGetValue(id, out var v) ? v : throw new SharpTuneException($"{o.File}: post_processor template names '{JsonInput.Clip(id)}' without special_tokens entry");
                    (seenSequence ? suffix : prefix).AddRange(ids);
                }
                return new PostProcessor(prefix, suffix);
            }
            case "RobertaProcessing":
            case "BertProcessing":
                return new PostProcessor([PairId(o, "cls")], [PairId(o, "sep")]);
            default:
                throw new SharpTuneException($"{o.File}: {o.Name("type")} '{JsonInput.Clip(type)}' is not a supported post_processor");
        }
    }

    // Bert/Roberta write special tokens as ["[CLS]", 101].
    private static int PairId(JsonFields o, string key)
    {
        var a = o.Arr(key);
        if (a is { Count: 2 }) return TokenId(o, key, a[1], 1);
        throw o.Error(key, "[token, id]");
    }

    private static int TokenId(JsonFields o, string key, JsonNode? n, int index) =>
        n is JsonValue v && JsonInput.Integer(v) is long id && id >= 0 && id <= BpeModel.MaxTokenId ? (int)id
        : throw new SharpTuneException($"{o.File}: field '{o.Name(key)}[{index}]' must be a token id in [0, {BpeModel.MaxTokenId}], got {JsonInput.Show(n)}");

    public List<int> Apply(List<int> ids)
    {
        var result = new List<int>(ids.Count + 4);
        if (_prefix is not null) result.AddRange(_prefix);
        result.AddRange(ids);
        if (_suffix is not null) result.AddRange(_suffix);
        return result;
    }
}
