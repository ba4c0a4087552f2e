using System.Text.RegularExpressions;
using SharpTune.IO;
using SharpTune.Models;
using TorchSharp.Modules;

namespace SharpTune.Adapters;

/// <summary>Full fine-tuning (every weight) or partial unfreezing; the result is a full HF model folder.</summary>
public sealed class FineTuneModel : AdaptedModel
{
    private readonly List<(string, Parameter)> _trainable;
    public UnfreezeSpec? Spec { get; }

    public override string Method => Spec is null ? "full" : "unfreeze";
    public override IReadOnlyList<(string Name, Parameter P)> Trainable => _trainable;

    public FineTuneModel(CausalLM baseModel, UnfreezeSpec? spec = null) : base(baseModel)
    {
        Spec = spec;
        var all = baseModel.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        var chosen = spec is null ? all.Select(p => p.name).ToHashSet() : Select(baseModel, spec);
        foreach (var (name, p) in all) p.requires_grad = chosen.Contains(name);
        _trainable = all.Where(p => chosen.Contains(p.name)).ToList();
        if (_trainable.Count == 0) throw new SharpTuneException("unfreeze selects no parameters (give --last-layers, --layers, --unfreeze globs or --embeddings)");
    }

    private static HashSet<string> Select(CausalLM model, UnfreezeSpec spec)
    {
        var names = model.named_parameters().Select(p => p.name).ToList();
        int layers = model.Config.NumLayers;
        var layerSet = new HashSet<int>();
        if (spec.LastLayers < 0 || spec.LastLayers > layers) throw new SharpTuneException($"--last-layers {spec.LastLayers}: the model has {layers} layers");
        for (int i = layers - spec.LastLayers; i < layers; i++) layerSet.Add(i);
        foreach (var part in (spec.LayerRanges ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (ends.Length > 2 || !int.TryParse(ends[0], out int a) || !int.TryParse(ends[^1], out int b) || a > b || a < 0 || b >= layers)
                throw new SharpTuneException($"--layers '{part}': expected an index or a range a-b within 0-{layers - 1}");
            for (int i = a; i <= b; i++) layerSet.Add(i);
        }
        var layerRe = new Regex(@"(^|\.)(layers|h)\.(\d+)\.");
        var chosen = names.Where(n => layerRe.Match(n) is { Success: true } m && layerSet.Contains(int.Parse(m.Groups[3].Value))).ToHashSet();
        foreach (var glob in spec.Globs ?? [])
        {
            var re = new Regex(@"(^|\.)" + Regex.Escape(glob).Replace(@"\*", @"[^.]*") + @"(\..*)?$");
            var hits = names.Where(n => re.IsMatch(n)).ToList();
            // lm_head of a tied model is the embedding matrix.
            if (hits.Count == 0 && glob == "lm_head" && model.Config.TieWordEmbeddings)
                hits = names.Where(n => n.EndsWith("embed_tokens.weight") || n.EndsWith("wte.weight")).ToList();
            if (hits.Count == 0) throw new SharpTuneException($"--unfreeze '{glob}' matches no parameter (names look like {names[Math.Min(3, names.Count - 1)]})");
            chosen.UnionWith(hits);
        }
        if (spec.Embeddings) chosen.UnionWith(names.Where(n => n.EndsWith("embed_tokens.weight") || n.EndsWith("wte.weight") || n.EndsWith("wpe.weight")));
        return chosen;
    }

    public override void Save(string dir) => ModelIO.Save(Base, dir);
}
