using System.Text.RegularExpressions;
using SharpTune.IO;
using SharpTune.Models;

namespace SharpTune.Adapters;

/// <summary>PEFT's target_modules matching over the model's linear layers.</summary>
public static class TargetModules
{
    /// <summary>
    /// Names of the linear layers a config targets: a list matches a module whose name equals an entry or
    /// ends with "." + entry; a string is a regex that must match the whole name; "all-linear" takes every
    /// linear layer except the output head. An entry that matches nothing is an error.
    /// </summary>
    public static List<(string Name, LinearLayer Layer)> Resolve(CausalLM model, IReadOnlyList<string> list, string? regex)
    {
        var linears = model.named_modules().Where(m => m.module is LinearLayer).Select(m => (m.name, Layer: (LinearLayer)m.module)).ToList();
        if (regex == "all-linear" || list is ["all-linear"])
            return linears.Where(l => l.name != "lm_head").ToList();
        if (regex is not null)
        {
            List<(string name, LinearLayer Layer)> hits;
            try
            {
                // PEFT's re.fullmatch; the timeout turns a pathological pattern into an error, not a hang.
                var re = new Regex("^(?:" + regex + ")$", RegexOptions.None, TimeSpan.FromSeconds(2));
                hits = linears.Where(l => re.IsMatch(l.name)).ToList();
            }
            catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
            {
                throw new SharpTuneException($"target_modules regex '{IO.JsonInput.Clip(regex)}' is not usable ({IO.JsonInput.OneLine(e.Message)})");
            }
            return hits.Count > 0 ? hits : throw new SharpTuneException($"target_modules regex '{IO.JsonInput.Clip(regex)}' matches no linear layer");
        }
        if (list.Count == 0) throw new SharpTuneException("target_modules is empty (name projections such as q_proj,v_proj, or all-linear)");
        foreach (var t in list)
            if (!linears.Any(l => l.name == t || l.name.EndsWith("." + t)))
                throw new SharpTuneException($"target module '{IO.JsonInput.Clip(t)}' matches no linear layer of this {model.Config.ModelType} model (it has: {string.Join(", ", linears.Select(l => l.name.Split('.')[^1]).Distinct())})");
        return linears.Where(l => list.Any(t => l.name == t || l.name.EndsWith("." + t))).ToList();
    }
}
