namespace SharpTune.Study.Report;

/// <summary>The cost/quality trade-off: the points no other point beats on both cost (lower) and quality (higher).</summary>
public static class ParetoFrontier
{
    /// <summary>
    /// Indices of the non-dominated points, cheapest first. A point is dominated when another costs no more and is
    /// no worse, and is strictly better in one of the two; exact duplicates dominate neither, so both stay.
    /// NaN points are never on the frontier.
    /// </summary>
    public static IReadOnlyList<int> Indices(IReadOnlyList<(double Cost, double Quality)> points)
    {
        bool Valid(int i) => !double.IsNaN(points[i].Cost) && !double.IsNaN(points[i].Quality);
        var result = new List<int>();
        for (var i = 0; i < points.Count; i++)
        {
            if (!Valid(i)) continue;
            var (c, q) = points[i];
            var dominated = false;
            for (var j = 0; j < points.Count && !dominated; j++)
            {
                if (j == i || !Valid(j)) continue;
                var (cj, qj) = points[j];
                dominated = cj <= c && qj >= q && (cj < c || qj > q);
            }
            if (!dominated) result.Add(i);
        }
        return result.OrderBy(i => points[i].Cost).ThenByDescending(i => points[i].Quality).ToList();
    }
}
