namespace SharpTune.Export;

/// <summary>One metadata key/value. Arrays hold <see cref="ElementType"/> elements.</summary>
public sealed record GgufMetadata(string Key, GgufValueType Type, object Value, GgufValueType ElementType = GgufValueType.UInt8)
{
    public static GgufMetadata Str(string key, string value) => new(key, GgufValueType.String, value);
    public static GgufMetadata U32(string key, uint value) => new(key, GgufValueType.UInt32, value);
    public static GgufMetadata F32(string key, float value) => new(key, GgufValueType.Float32, value);
    public static GgufMetadata Bool(string key, bool value) => new(key, GgufValueType.Bool, value);
    public static GgufMetadata Strings(string key, IReadOnlyList<string> values) => new(key, GgufValueType.Array, values, GgufValueType.String);
    public static GgufMetadata I32s(string key, IReadOnlyList<int> values) => new(key, GgufValueType.Array, values, GgufValueType.Int32);
}
