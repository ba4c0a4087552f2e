using System.Text;
using SharpTune.IO;

namespace SharpTune.Export;

/// <summary>
/// Writes a GGUF version 3 file (little-endian): header, metadata, tensor infos, then tensor data, each
/// tensor starting at a multiple of <see cref="Alignment"/> bytes from the data section's start.
/// </summary>
public static class GgufWriter
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    public const uint Version = 3;
    public const int Alignment = 32; // llama.cpp's default when general.alignment is absent

    public static void Write(string path, IReadOnlyList<GgufMetadata> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        var dup = tensors.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new SharpTuneException($"{path}: tensor {dup.Key} appears twice");
        AtomicFile.Write(path, stream =>
        {
            using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Version);
            w.Write((ulong)tensors.Count);
            w.Write((ulong)metadata.Count);
            foreach (var m in metadata)
            {
                WriteString(w, m.Key);
                w.Write((uint)m.Type);
                WriteValue(w, m.Type, m.ElementType, m.Value);
            }
            ulong offset = 0;
            foreach (var t in tensors)
            {
                WriteString(w, t.Name);
                w.Write((uint)t.Shape.Length);
                foreach (var d in t.Shape.Reverse()) w.Write((ulong)d);
                w.Write((uint)t.Type);
                w.Write(offset);
                offset = Align((ulong)(offset + (ulong)t.ByteSize));
            }
            w.Flush();
            Pad(stream);
            foreach (var t in tensors)
            {
                var values = t.Data();
                if (values.LongLength != t.Elements)
                    throw new SharpTuneException($"{path}: tensor {t.Name} has {values.LongLength} values, expected {t.Elements}");
                WriteData(stream, t.Type, values);
                // Padding is relative to the data section, which itself starts aligned, so absolute padding is the same.
                Pad(stream);
            }
        });
    }

    private static ulong Align(ulong n) => (n + Alignment - 1) / Alignment * Alignment;

    private static void Pad(Stream s)
    {
        var rem = (int)(s.Position % Alignment);
        if (rem != 0) s.Write(new byte[Alignment - rem]);
    }

    private static void WriteData(Stream s, GgufTensorType type, float[] values)
    {
        if (type == GgufTensorType.Q8_0)
        {
            if (values.Length % Q8Block.Size != 0) throw new ArgumentException($"Q8_0 needs a multiple of {Q8Block.Size} values, got {values.Length}");
            const int blocks = 4096;
            var q = new byte[blocks * Q8Block.Bytes];
            for (int start = 0; start < values.Length; start += blocks * Q8Block.Size)
            {
                int n = Math.Min(blocks * Q8Block.Size, values.Length - start);
                Q8Block.Quantize(values.AsSpan(start, n), q);
                s.Write(q, 0, n / Q8Block.Size * Q8Block.Bytes);
            }
            return;
        }
        const int chunk = 1 << 16;
        var buffer = new byte[chunk * 4];
        for (int start = 0; start < values.Length; start += chunk)
        {
            int n = Math.Min(chunk, values.Length - start);
            if (type == GgufTensorType.F32)
            {
                Buffer.BlockCopy(values, start * 4, buffer, 0, n * 4);
                s.Write(buffer, 0, n * 4);
            }
            else
            {
                for (int i = 0; i < n; i++)
                    BitConverter.TryWriteBytes(buffer.AsSpan(i * 2, 2), (Half)values[start + i]);
                s.Write(buffer, 0, n * 2);
            }
        }
    }

    private static void WriteString(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static void WriteValue(BinaryWriter w, GgufValueType type, GgufValueType elementType, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: w.Write(Convert.ToByte(value)); break;
            case GgufValueType.Int8: w.Write(Convert.ToSByte(value)); break;
            case GgufValueType.UInt16: w.Write(Convert.ToUInt16(value)); break;
            case GgufValueType.Int16: w.Write(Convert.ToInt16(value)); break;
            case GgufValueType.UInt32: w.Write(Convert.ToUInt32(value)); break;
            case GgufValueType.Int32: w.Write(Convert.ToInt32(value)); break;
            case GgufValueType.Float32: w.Write(Convert.ToSingle(value)); break;
            case GgufValueType.Bool: w.Write((byte)((bool)value ? 1 : 0)); break;
            case GgufValueType.String: WriteString(w, (string)value); break;
            case GgufValueType.UInt64: w.Write(Convert.ToUInt64(value)); break;
            case GgufValueType.Int64: w.Write(Convert.ToInt64(value)); break;
            case GgufValueType.Float64: w.Write(Convert.ToDouble(value)); break;
            case GgufValueType.Array:
                var items = ((System.Collections.IEnumerable)value).Cast<object>().ToList();
                w.Write((uint)elementType);
                w.Write((ulong)items.Count);
                foreach (var item in items) WriteValue(w, elementType, GgufValueType.UInt8, item);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }
}
