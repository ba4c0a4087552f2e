using System.Text;

namespace SharpTune.Tests.Cluster;

/// <summary>
/// A one-node Slurm cluster on localhost for the tests: its own munge key and munged socket, a minimal slurm.conf
/// (written here, into a temp folder: random ports, proctrack/linuxproc and task/none so no cgroups are needed,
/// one node with this machine's CPUs and memory), slurmctld and slurmd started as root; $SLURM_CONF is set for this
/// process (and so for sbatch/squeue and the jobs). Stopped when the test run ends. Tests call
/// <see cref="Require"/>, which skips them with one line saying why when the cluster cannot start.
/// </summary>
public sealed class SlurmCluster
{
    private static readonly Lazy<(SlurmCluster? Cluster, string? Why)> Instance = new(Start);

    public string Dir { get; }
    public string Config => Path.Combine(Dir, "slurm.conf");

    private SlurmCluster(string dir) => Dir = dir;

    public static SlurmCluster Require()
    {
        var (cluster, why) = Instance.Value;
        ServiceProcess.SkipOrFail(cluster is null, $"Slurm test cluster could not start: {why}");
        return cluster!;
    }

    private static (SlurmCluster?, string?) Start()
    {
        var munged = ServiceProcess.Find("munged");
        var mungekey = ServiceProcess.Find("mungekey");
        var ctld = ServiceProcess.Find("slurmctld");
        var slurmd = ServiceProcess.Find("slurmd");
        var sinfo = ServiceProcess.Find("sinfo");
        if (munged is null || mungekey is null || ctld is null || slurmd is null || sinfo is null)
            return (null, "munged/slurmctld/slurmd not installed (apt-get install slurm-wlm munge; .ci/run does it)");
        if (!ServiceProcess.IsRoot) return (null, "slurmd must run as root to start jobs (run the tests as root, as CI does)");
        var dir = Path.Combine(Path.GetTempPath(), $"sharptune-slurm-{Guid.NewGuid():N}"[..30]);
        foreach (var d in new[] { dir, Path.Combine(dir, "state"), Path.Combine(dir, "spool") }) Directory.CreateDirectory(d);
        var key = Path.Combine(dir, "munge.key");
        // From here on, whatever starts is stopped when this process ends (the daemons write their pid files).
        ServiceProcess.StopWhenThisProcessEnds(string.Join("; ", new[] { "slurmd.pid", "slurmctld.pid", "munged.pid" }.Select(f => $"kill $(cat '{dir}/{f}') 2>/dev/null")), dir);
        var (code, output) = ServiceProcess.Run(mungekey, ["--create", $"--keyfile={key}"]);
        if (code != 0) return (null, $"mungekey failed: {output.Trim()}");
        var socket = Path.Combine(dir, "munge.sock");
        (code, output) = ServiceProcess.Run(munged, [$"--socket={socket}", $"--key-file={key}", $"--pid-file={dir}/munged.pid",
            $"--log-file={dir}/munged.log", $"--seed-file={dir}/munge.seed", "--force"]);
        if (code != 0) return (null, $"munged failed: {output.Trim()}");

        var host = ServiceProcess.Run("hostname", ["-s"]).Output.Trim();
        long memMb = File.ReadLines("/proc/meminfo").Where(l => l.StartsWith("MemTotal:")).Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024).FirstOrDefault();
        var conf = new StringBuilder()
            .AppendLine("ClusterName=sharptune-test")
            .AppendLine($"SlurmctldHost={host}(127.0.0.1)")
            .AppendLine($"SlurmctldPort={ServiceProcess.FreePort()}")
            .AppendLine($"SlurmdPort={ServiceProcess.FreePort()}")
            .AppendLine("SlurmUser=root")
            .AppendLine("AuthType=auth/munge")
            .AppendLine("CredType=cred/munge")
            .AppendLine($"AuthInfo=socket={socket}")
            .AppendLine($"StateSaveLocation={dir}/state")
            .AppendLine($"SlurmdSpoolDir={dir}/spool")
            .AppendLine($"SlurmctldPidFile={dir}/slurmctld.pid")
            .AppendLine($"SlurmdPidFile={dir}/slurmd.pid")
            .AppendLine($"SlurmctldLogFile={dir}/slurmctld.log")
            .AppendLine($"SlurmdLogFile={dir}/slurmd.log")
            .AppendLine("ProctrackType=proctrack/linuxproc")
            .AppendLine("TaskPlugin=task/none")
            .AppendLine("SchedulerType=sched/builtin")
            .AppendLine("SelectType=select/cons_tres")
            .AppendLine("SelectTypeParameters=CR_CPU")
            .AppendLine("ReturnToService=2")
            .AppendLine("MpiDefault=none")
            .AppendLine("JobAcctGatherType=jobacct_gather/none")
            .AppendLine("AccountingStorageType=accounting_storage/none")
            .AppendLine("JobCompType=jobcomp/none")
            .AppendLine("SwitchType=switch/none")
            .AppendLine("KillWait=10")
            .AppendLine("MinJobAge=300")
            .AppendLine($"NodeName=stnode NodeAddr=127.0.0.1 NodeHostname={host} CPUs={Environment.ProcessorCount} RealMemory={Math.Max(1, memMb * 8 / 10)} State=UNKNOWN")
            .AppendLine("PartitionName=debug Nodes=stnode Default=YES MaxTime=INFINITE State=UP");
        var config = Path.Combine(dir, "slurm.conf");
        File.WriteAllText(config, conf.ToString());
        var env = new Dictionary<string, string> { ["SLURM_CONF"] = config };
        (code, output) = ServiceProcess.Run(ctld, ["-c"], env);
        if (code != 0) return (null, $"slurmctld failed: {output.Trim()} {ServiceProcess.Tail(Path.Combine(dir, "slurmctld.log"))}");
        (code, output) = ServiceProcess.Run(slurmd, ["-N", "stnode"], env);
        var cluster = new SlurmCluster(dir);
        if (code != 0) { cluster.Stop(); return (null, $"slurmd failed: {output.Trim()} {ServiceProcess.Tail(Path.Combine(dir, "slurmd.log"))}"); }
        for (int i = 0; i < 60; i++)
        {
            if (ServiceProcess.Run(sinfo, ["-h", "-o", "%T"], env).Output.Trim() == "idle")
            {
                Environment.SetEnvironmentVariable("SLURM_CONF", config);
                return (cluster, null);
            }
            Thread.Sleep(500);
        }
        cluster.Stop();
        return (null, $"the node did not become idle in 30 s: {ServiceProcess.Tail(Path.Combine(dir, "slurmd.log"))}");
    }

    private void Stop()
    {
        foreach (var pid in new[] { "slurmd.pid", "slurmctld.pid", "munged.pid" }) ServiceProcess.Signal(Path.Combine(Dir, pid));
        Thread.Sleep(500);
        try { Directory.Delete(Dir, recursive: true); } catch { /* best effort */ }
    }
}
