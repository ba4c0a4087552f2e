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
        if (fs.Read(lenBytes) != 8) throw new SharpTuneException($"{path}: not a safetensors file (shorter than its 8-byte header length)");
        long headerLen = BinaryPrimitives.ReadInt64LittleEndian(lenBytes);
        if (headerLen <= 0 || headerLen > fs.Length - 8 || headerLen > 100_000_000)
            throw new SharpTuneException($"{path}: not a safetensors file (header length {headerLen} is impossible for a {fs.Length}-byte file)");
        var header = new byte[headerLen];
        fs.ReadExactly(header);
        var tensors = new Dictionary<string, SafeTensorInfo>();
        var metadata = new Dictionary<string, string>();
        long dataLen = fs.Length - 8 - headerLen;
        try
        {
            using var doc = JsonDocument.Parse(header);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    foreach (var m in prop.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                var dtype = prop.Value.GetProperty("dtype").GetString()!;
                var shape = prop.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offs = prop.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                long expected = shape.Aggregate(1L, (a, b) => a * b) * DTypeSize(dtype, path, prop.Name);
                if (offs.Length != 2 || offs[1] - offs[0] != expected || offs[1] > dataLen || offs[0] < 0)
                    throw new SharpTuneException($"{path}: tensor '{prop.Name}' has data_offsets [{string.Join(",", offs)}] that do not fit its shape [{string.Join(",", shape)}] {dtype}");
                tensors[prop.Name] = new SafeTensorInfo(prop.Name, dtype, shape, offs[0], offs[1]);
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new SharpTuneException($"{path}: malformed safetensors header ({e.Message})");
        }
        return new SafeTensorsFile(path, tensors, metadata, 8 + headerLen);
    }

    public static int DTypeSize(string dtype, string path = "", string name = "") => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new SharpTuneException($"{path}: tensor '{name}' has unsupported dtype {dtype}"),
    };

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
