namespace SharpTune.Export;

/// <summary>The ggml tensor types SharpTune writes (ggml_type numbering).</summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    /// <summary>Blocks of 32 values along a row: an f16 scale d = max|x|/127, then 32 int8 q = round(x/d); 34 bytes.</summary>
    Q8_0 = 8,
}
