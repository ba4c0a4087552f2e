using SharpTune.IO;

namespace SharpTune.Recipes;

/// <summary>Plain-text corpora: documents separated by blank lines.</summary>
public static class TextCorpus
{
    public static IEnumerable<string> Documents(string path)
    {
        if (!File.Exists(path)) throw new SharpTuneException($"{path}: file not found");
        var doc = new System.Text.StringBuilder();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                if (doc.Length > 0) { yield return doc.ToString(); doc.Clear(); }
                continue;
            }
            doc.Append(line).Append('\n');
        }
        if (doc.Length > 0) yield return doc.ToString();
    }
}
