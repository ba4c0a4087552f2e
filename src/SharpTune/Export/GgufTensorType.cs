namespace SharpTune.Export;

/// <summary>The ggml tensor types SharpTune writes (ggml_type numbering).</summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
}
