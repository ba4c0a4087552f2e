namespace SharpTune.Training;

/// <summary>
/// Seed arithmetic that is the same in every process. (.NET's HashCode is randomised per process, so it must
/// never feed a data order: a resumed run in a new process would see other batches.)
/// </summary>
public static class Seeds
{
    public static int Mix(long a, long b, long c = 0) => (int)(((a * 1_000_003L) ^ (b * 7_919L) ^ (c * 104_729L)) & 0x7FFFFFFF);
}
