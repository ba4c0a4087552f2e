namespace SharpTune.Export;

/// <summary>
/// One tensor of a GGUF file. <paramref name="Shape"/> is in PyTorch order (outermost first); GGUF stores it
/// reversed (ne[0] is the contiguous dimension). <paramref name="Data"/> holds row-major float32 values and is
/// converted to <paramref name="Type"/> while writing.
/// </summary>
public sealed record GgufTensor(string Name, long[] Shape, GgufTensorType Type, Func<float[]> Data)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteSize => Type switch
    {
        GgufTensorType.F16 => Elements * 2,
        GgufTensorType.Q8_0 => Elements / Q8Block.Size * Q8Block.Bytes,
        _ => Elements * 4,
    };
}
