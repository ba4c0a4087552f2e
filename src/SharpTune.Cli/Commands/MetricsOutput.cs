using System.Text.Json;
using System.Text.Json.Serialization;
using SharpTune.Study;
using Spectre.Console;

namespace SharpTune.Cli.Commands;

/// <summary>Prints metrics as one JSON object (`--json`) or as a table of the measured ones.</summary>
public static class MetricsOutput
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true };

    public static void Print(TrialMetrics m, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(m, Json));
            return;
        }
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("value").RightAligned());
        var node = JsonSerializer.SerializeToNode(m, Json)!.AsObject();
        foreach (var (key, value) in node)
        {
            if (value is System.Text.Json.Nodes.JsonObject cells)
                foreach (var (cell, v) in cells) table.AddRow($"{key} {cell}", Format(v!.GetValue<double>()));
            else table.AddRow(key, value is System.Text.Json.Nodes.JsonValue jv && jv.TryGetValue<double>(out var d) ? Format(d) : value?.ToString() ?? "");
        }
        Output.Current().Write(table);
    }

    private static string Format(double d) => d == Math.Floor(d) && Math.Abs(d) < 1e15 ? d.ToString("N0") : d.ToString("F4");
}
