namespace SharpTune.IO;

/// <summary>One entry of a safetensors header: dtype name as in the spec (F32, BF16, I64…), shape, byte range.</summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End);
