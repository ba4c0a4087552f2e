namespace SharpTune.Study.Sweeps;

/// <summary>Runs one trial (train + eval) with its folder; <paramref name="resume"/> continues a killed one from its checkpoint.</summary>
public interface ITrialExecutor
{
    TrialExecution Run(string sweep, TrialSpec trial, IReadOnlyDictionary<string, string> eval, string trialDir, bool resume, CancellationToken cancel);
}
