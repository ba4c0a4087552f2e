using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpTune.IO;

/// <summary>
/// Reader and writer for the safetensors format: 8-byte little-endian header length, JSON header, raw
/// little-endian data. Tensors may appear in any order; <c>__metadata__</c> is a string map.
/// </summary>
public sealed class SafeTensorsFile
{
    public string Path { get; }
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    private readonly long _dataStart;

    private SafeTensorsFile(string path, Dictionary<string, SafeTensorInfo> tensors, Dictionary<string, string> metadata, long dataStart)
    {
        Path = path; Tensors = tensors; Metadata = metadata; _dataStart = dataStart;
    }

    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found");
        using var fs = File.OpenRead(path);
        Span<byte> lenBytes = stackalloc byte[8];
        if (fs.ReadAtLeast(lenBytes, 8, throwOnEndOfStream: false) != 8) throw new SharpTuneException($"{path}: not a safetensors file (shorter than its 8-byte header length)");
        long headerLen = BinaryPrimitives.ReadInt64LittleEndian(lenBytes);
        if (headerLen <= 0 || headerLen > fs.Length - 8 || headerLen > 100_000_000)
            throw new SharpTuneException($"{path}: not a safetensors file (header length {headerLen} is impossible for a {fs.Length}-byte file)");
        var header = new byte[headerLen];
        fs.ReadExactly(header);
        var (tensors, metadata) = ParseHeader(header, fs.Length - 8 - headerLen, path);
        return new SafeTensorsFile(path, tensors, metadata, 8 + headerLen);
    }

    /// <summary>
    /// Validates a header against the spec before anything is allocated from it: every tensor names a known
    /// dtype, a shape of non-negative integers and a byte range [begin, end) inside the data whose length
    /// matches the shape, and no two ranges overlap.
    /// </summary>
    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(byte[] header, long dataLen, string path)
    {
        var tensors = new Dictionary<string, SafeTensorInfo>();
        var metadata = new Dictionary<string, string>();
        using var doc = JsonInput.ParseDocument(header, $"{path}: header");
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new SharpTuneException($"{path}: safetensors header must be a JSON object, got {JsonInput.Kind(doc.RootElement)}");
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            string name = JsonInput.Clip(prop.Name);
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind == JsonValueKind.Null) continue;
                if (prop.Value.ValueKind != JsonValueKind.Object)
                    throw new SharpTuneException($"{path}: __metadata__ must be an object of strings, got {JsonInput.Kind(prop.Value)}");
                foreach (var m in prop.Value.EnumerateObject())
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                        : throw new SharpTuneException($"{path}: __metadata__ entry '{JsonInput.Clip(m.Name)}' must be a string, got {JsonInput.Show(m.Value)}");
                continue;
            }
            var entry = prop.Value;
            if (entry.ValueKind != JsonValueKind.Object)
                throw new SharpTuneException($"{path}: tensor '{name}' must be an object with dtype, shape and data_offsets, got {JsonInput.Show(entry)}");
            if (!entry.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
                throw new SharpTuneException($"{path}: tensor '{name}' field 'dtype' is missing or not a string");
            var dtype = dt.GetString()!;
            if (!Loadable.Contains(dtype))
                throw new SharpTuneException($"{path}: tensor '{name}' has unsupported dtype {JsonInput.Clip(dtype)} (expected one of {string.Join(", ", Loadable)})");
            var shape = Integers(entry, "shape", name, path);
            var offs = Integers(entry, "data_offsets", name, path);
            if (offs.Length != 2)
                throw new SharpTuneException($"{path}: tensor '{name}' field 'data_offsets' must be [begin, end], got {JsonInput.Show(entry.GetProperty("data_offsets"))}");
            long bytes = DTypeSize(dtype, path, name);
            foreach (var d in shape)
            {
                // Bounded by the data length, so the product cannot overflow.
                if (d != 0 && bytes > dataLen / d + 1) { bytes = long.MaxValue; break; }
                bytes *= d;
            }
            if (offs[0] > offs[1] || offs[1] > dataLen)
                throw new SharpTuneException($"{path}: tensor '{name}' has data_offsets [{offs[0]},{offs[1]}] outside the {dataLen}-byte data section");
            if (offs[1] - offs[0] != bytes)
                throw new SharpTuneException($"{path}: tensor '{name}' has data_offsets [{offs[0]},{offs[1]}] that do not fit its shape [{string.Join(",", shape)}] {dtype}");
            tensors[prop.Name] = new SafeTensorInfo(prop.Name, dtype, shape, offs[0], offs[1]);
        }
        SafeTensorInfo? previous = null;
        foreach (var t in tensors.Values.Where(t => t.End > t.Begin).OrderBy(t => t.Begin))
        {
            if (previous is not null && t.Begin < previous.End)
                throw new SharpTuneException($"{path}: tensors '{JsonInput.Clip(previous.Name)}' [{previous.Begin},{previous.End}) and '{JsonInput.Clip(t.Name)}' [{t.Begin},{t.End}) overlap in the data section");
            previous = t;
        }
        return (tensors, metadata);
    }

    private static long[] Integers(JsonElement entry, string field, string name, string path)
    {
        if (!entry.TryGetProperty(field, out var a) || a.ValueKind != JsonValueKind.Array)
            throw new SharpTuneException($"{path}: tensor '{name}' field '{field}' is missing or not a list");
        var result = new long[a.GetArrayLength()];
        int i = 0;
        foreach (var e in a.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var v) || v < 0)
                throw new SharpTuneException($"{path}: tensor '{name}' field '{field}' entry {JsonInput.Show(e)} is not a non-negative integer");
            result[i++] = v;
        }
        return result;
    }

    /// <summary>The dtypes that load into tensors.</summary>
    private static readonly string[] Loadable = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"];

    /// <summary>Floating-point dtypes, the only ones weights may have.</summary>
    public static bool IsFloat(string dtype) => dtype is "F64" or "F32" or "F16" or "BF16";

    public static int DTypeSize(string dtype, string path = "", string name = "") => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new SharpTuneException($"{path}: tensor '{name}' has unsupported dtype {dtype}"),
    };

    /// <summary>Loads a floating-point tensor, refusing integer or bool ones where weights belong.</summary>
    public Tensor LoadFloat(string name)
    {
        var info = Tensors.TryGetValue(name, out var i) ? i : throw new SharpTuneException($"{Path}: tensor '{JsonInput.Clip(name)}' is missing");
        if (!IsFloat(info.DType))
            throw new SharpTuneException($"{Path}: tensor '{JsonInput.Clip(name)}' is stored as {info.DType}; weights must be floating point (F32, F16 or BF16)");
        return Load(name);
    }

    private static ScalarType ToScalarType(string dtype) => dtype switch
    {
        "F64" => ScalarType.Float64, "F32" => ScalarType.Float32, "F16" => ScalarType.Float16, "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64, "I32" => ScalarType.Int32, "I16" => ScalarType.Int16, "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte, "BOOL" => ScalarType.Bool,
        _ => throw new SharpTuneException($"unsupported safetensors dtype {dtype}"),
    };

    private static string FromScalarType(ScalarType t) => t switch
    {
        ScalarType.Float64 => "F64", ScalarType.Float32 => "F32", ScalarType.Float16 => "F16", ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64", ScalarType.Int32 => "I32", ScalarType.Int16 => "I16", ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8", ScalarType.Bool => "BOOL",
        _ => throw new SharpTuneException($"cannot store dtype {t} in safetensors"),
    };

    public bool Contains(string name) => Tensors.ContainsKey(name);

    /// <summary>Raw bytes of a tensor (as stored, little-endian).</summary>
    public byte[] ReadBytes(string name)
    {
        if (!Tensors.TryGetValue(name, out var info)) throw new SharpTuneException($"{Path}: tensor '{name}' is missing");
        using var fs = File.OpenRead(Path);
        fs.Seek(_dataStart + info.Begin, SeekOrigin.Begin);
        var bytes = new byte[info.End - info.Begin];
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Loads a tensor on the CPU in its stored dtype.</summary>
    public Tensor Load(string name)
    {
        var info = Tensors.TryGetValue(name, out var i) ? i : throw new SharpTuneException($"{Path}: tensor '{name}' is missing");
        var bytes = ReadBytes(name);
        var t = torch.empty(info.Shape, ToScalarType(info.DType));
        if (bytes.Length > 0) t.bytes = bytes;
        return t;
    }

    /// <summary>Loads every tensor (CPU, stored dtype).</summary>
    public Dictionary<string, Tensor> LoadAll() => Tensors.Keys.ToDictionary(k => k, Load);

    /// <summary>
    /// Writes tensors atomically (temp file + rename). Tensors are laid out in name order; the header is
    /// padded with spaces to a multiple of 8 bytes as the spec recommends.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in list)
        {
            using var cpu = tensor.detach().cpu().contiguous();
            var bytes = cpu.numel() == 0 ? [] : cpu.bytes.ToArray();
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = FromScalarType(cpu.dtype),
                ["shape"] = cpu.shape,
                ["data_offsets"] = new[] { offset, offset + bytes.Length },
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int pad = (8 - json.Length % 8) % 8;
        AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(len, json.Length + pad);
            fs.Write(len);
            fs.Write(json);
            for (int i = 0; i < pad; i++) fs.WriteByte((byte)' ');
            foreach (var b in blobs) fs.Write(b);
        });
    }
}
