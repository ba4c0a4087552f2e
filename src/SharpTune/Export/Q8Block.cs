namespace SharpTune.Export;

/// <summary>
/// ggml's Q8_0 block: 32 consecutive values of a row as an f16 scale d = max|x|/127 and 32 int8 values
/// q = round(x/d) (halves away from zero, as C's roundf), so x ≈ d·q within d/2. Rows must hold a multiple of 32.
/// </summary>
public static class Q8Block
{
    public const int Size = 32;
    public const int Bytes = 2 + Size;

    /// <summary>Writes <paramref name="values"/> (a multiple of 32 long) as blocks into <paramref name="output"/>.</summary>
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> output)
    {
        for (int b = 0; b < values.Length / Size; b++)
        {
            var x = values.Slice(b * Size, Size);
            var o = output.Slice(b * Bytes, Bytes);
            float amax = 0;
            foreach (var v in x) amax = Math.Max(amax, Math.Abs(v));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            BitConverter.TryWriteBytes(o, (Half)d);
            for (int j = 0; j < Size; j++) o[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }
}
