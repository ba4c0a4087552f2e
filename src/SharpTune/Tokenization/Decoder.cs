using System.Text;
using System.Text.Json.Nodes;
using SharpTune.IO;

namespace SharpTune.Tokenization;

/// <summary>The <c>decoder</c> step: turns token strings back into text, as a chain over the token list.</summary>
public abstract class Decoder
{
    public abstract List<string> DecodeChain(List<string> tokens);

    public static Decoder? FromJson(JsonFields parent, string key) => parent.SubObj(key) is JsonFields o ? FromFields(o) : null;

    private static Decoder FromFields(JsonFields o)
    {
        string type = o.ReqStr("type");
        return type switch
        {
            "Sequence" => new SequenceDecoder(o.Objects("decoders").Select(FromFields).ToArray()),
            "ByteLevel" => new ByteLevelDecoder(),
            "Replace" => new ReplaceDecoder(Pattern.FromJson(o, "pattern"), o.ReqStr("content")),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(o.ReqStr("content") is { Length: 1 } c ? c[0] : throw o.Error("content", "one character"),
                o.Int("start", 0) ?? 0, o.Int("stop", 0) ?? 0),
            "Metaspace" => new MetaspaceDecoder(PreTokenizer.Replacement(o),
                (o.Str("prepend_scheme") ?? ((o.Bool("add_prefix_space") ?? true) ? "always" : "never")) != "never"),
            _ => throw new SharpTuneException($"{o.File}: {o.Name("type")} '{JsonInput.Clip(type)}' is not a supported decoder"),
        };
    }

    private sealed class SequenceDecoder(Decoder[] steps) : Decoder
    {
        public override List<string> DecodeChain(List<string> tokens) => steps.Aggregate(tokens, (t, d) => d.DecodeChain(t));
    }

    /// <summary>Maps GPT-2 byte characters back to bytes; invalid UTF-8 becomes U+FFFD per broken sequence.</summary>
    private sealed class ByteLevelDecoder : Decoder
    {
        public override List<string> DecodeChain(List<string> tokens)
        {
            var bytes = new List<byte>();
            foreach (var t in tokens)
                foreach (var c in t)
                    if (ByteLevelAlphabet.CharToByte.TryGetValue(c, out var b)) bytes.Add(b);
                    else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            return [Encoding.UTF8.GetString(bytes.ToArray())];
        }
    }

    private sealed class ReplaceDecoder(Pattern pattern, string content) : Decoder
    {
        public override List<string> DecodeChain(List<string> tokens) => tokens.Select(t => pattern.Replace(t, content)).ToList();
    }

    /// <summary>Runs of &lt;0xNN&gt; tokens become their UTF-8 text, or one U+FFFD per token if the bytes are invalid.</summary>
    private sealed class ByteFallbackDecoder : Decoder
    {
        private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

        public override List<string> DecodeChain(List<string> tokens)
        {
            var result = new List<string>();
            var pending = new List<byte>();
            void Flush()
            {
                if (pending.Count == 0) return;
                try { result.Add(Strict.GetString(pending.ToArray())); }
                catch (DecoderFallbackException) { result.AddRange(Enumerable.Repeat("\uFFFD", pending.Count)); }
                pending.Clear();
            }
            foreach (var t in tokens)
            {
                if (t.Length == 6 && t.StartsWith("<0x") && t[5] == '>' && byte.TryParse(t.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
                    pending.Add(b);
                else { Flush(); result.Add(t); }
            }
            Flush();
            return result;
        }
    }

    private sealed class FuseDecoder : Decoder
    {
        public override List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
    }

    private sealed class StripDecoder(char content, int start, int stop) : Decoder
    {
        public override List<string> DecodeChain(List<string> tokens) => tokens.Select(t =>
        {
            int s = 0, e = t.Length;
            while (s < start && s < e && t[s] == content) s++;
            int removed = 0;
            while (removed < stop && e > s && t[e - 1] == content) { e--; removed++; }
            return t[s..e];
        }).ToList();
    }

    private sealed class MetaspaceDecoder(string replacement, bool stripFirst) : Decoder
    {
        public override List<string> DecodeChain(List<string> tokens) => tokens.Select((t, i) =>
        {
            var s = t.Replace(replacement, " ");
            return i == 0 && stripFirst && s.StartsWith(' ') ? s[1..] : s;
        }).ToList();
    }
}
