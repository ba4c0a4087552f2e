namespace SharpTune.Recipes;

/// <summary>The main job's knobs; every one has an embedded default.</summary>
public sealed record DemoOptions
{
    public string ModelDir { get; init; } = RepoPaths.BaseModel;
    public string TrainPath { get; init; } = RepoPaths.SharedData("train.jsonl");
    public string DevPath { get; init; } = RepoPaths.SharedData("dev.jsonl");
    public string Method { get; init; } = "lora";
    public int Rank { get; init; } = 8;
    public int TrainExamples { get; init; } = 2000;
    public int EvalExamples { get; init; } = 100;
    public int Epochs { get; init; } = 1;
    public int BatchSize { get; init; } = 8;
    /// <summary>Peak learning rate; null: the method's own (<see cref="Adapters.MethodDefaults.LearningRate"/>).</summary>
    public double? LearningRate { get; init; }
    public int MaxLength { get; init; } = 320;
    public int Seed { get; init; }
    public string OutDir { get; init; } = Path.Combine("runs", "demo");
    public bool Resume { get; init; }
    /// <summary>Replace a previous demo run in OutDir instead of refusing.</summary>
    public bool Force { get; init; }
    public string Device { get; init; } = "cpu";
}
