namespace SharpTune.Generation;

/// <summary>Process memory as the kernel accounts it (native tensors included), from /proc/self/status.</summary>
public static class PeakMemory
{
    /// <summary>Peak resident set size (VmHWM) in bytes, or -1 where /proc is unavailable.</summary>
    public static long PeakRssBytes() => Read("VmHWM:");

    public static long CurrentRssBytes() => Read("VmRSS:");

    private static long Read(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(key))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0]) * 1024;
        }
        catch (IOException) { }
        return -1;
    }

    public static string Format(long bytes) => bytes < 0 ? "n/a" : $"{bytes / 1048576.0:F0} MiB";
}
