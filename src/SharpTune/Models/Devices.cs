using SharpTune.IO;
using static TorchSharp.torch;

namespace SharpTune.Models;

public static class Devices
{
    /// <summary>"cpu", "cuda" or "cuda:N"; CUDA must be present in the TorchSharp build.</summary>
    public static Device Parse(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        if (n == "cpu") return CPU;
        if (n.StartsWith("cuda"))
        {
            if (!cuda.is_available())
                throw new SharpTuneException($"--device {name}: CUDA is not available (this build uses TorchSharp-cpu; reference TorchSharp-cuda-linux for GPUs)");
            return new Device(n);
        }
        throw new SharpTuneException($"--device {name}: expected cpu, cuda or cuda:N");
    }
}
