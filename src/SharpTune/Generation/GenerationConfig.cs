using System.Text.Json.Nodes;

namespace SharpTune.Generation;

/// <summary>Reads the end-of-sequence ids of <c>generation_config.json</c>, which may differ from config.json's.</summary>
public static class GenerationConfig
{
    public static int[] EosIds(string modelDir)
    {
        var path = Path.Combine(modelDir, "generation_config.json");
        if (!File.Exists(path)) return [];
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["eos_token_id"] switch
            {
                JsonArray a => a.Select(n => n!.GetValue<int>()).ToArray(),
                JsonValue v => [v.GetValue<int>()],
                _ => [],
            };
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new IO.SharpTuneException($"{path}: invalid JSON ({e.Message})");
        }
    }
}
