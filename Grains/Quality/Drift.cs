namespace Esrs.Quality;

/// <summary>Distances between a reference distribution and a current one (Evidently/Deequ style).</summary>
public static class Drift
{
    /// <summary>Share given to categories one side never saw, so the logarithms stay finite.</summary>
    public const double Epsilon = 1e-4;

    /// <summary>
    /// Population Stability Index Σ (c - r)·ln(c / r) over the union of categories (proportions floored at <see cref="Epsilon"/>).
    /// Rule of thumb: below 0.1 stable, 0.1-0.25 moderate, above 0.25 a shift.
    /// </summary>
    public static double Psi(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var (r, c) = Proportions(reference, current);
        double psi = 0;
        for (var i = 0; i < r.Length; i++)
        {
            var (p, q) = (Math.Max(r[i], Epsilon), Math.Max(c[i], Epsilon));
            psi += (q - p) * Math.Log(q / p);
        }

        return psi;
    }

    /// <summary>Jensen-Shannon divergence in bits (0 identical, 1 disjoint).</summary>
    public static double JensenShannon(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        var (r, c) = Proportions(reference, current);
        double js = 0;
        for (var i = 0; i < r.Length; i++)
        {
            var m = (r[i] + c[i]) / 2;
            js += (Term(r[i], m) + Term(c[i], m)) / 2;
        }

        return Math.Clamp(js, 0, 1);

        static double Term(double p, double m) => p <= 0 ? 0 : p * Math.Log2(p / m);
    }

    /// <summary>Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two sketches' CDFs (0..1).</summary>
    public static double KolmogorovSmirnov(LogHistogram reference, LogHistogram current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        if (reference.Count == 0 || current.Count == 0)
        {
            return 0;
        }

        // Walk both bucket lists in value order; same-bucket values share a representative, so ties step together.
        var a = reference.Buckets().ToList();
        var b = current.Buckets().ToList();
        int i = 0, j = 0;
        double fa = 0, fb = 0, max = 0;
        while (i < a.Count || j < b.Count)
        {
            var value = Math.Min(i < a.Count ? a[i].Value : double.PositiveInfinity, j < b.Count ? b[j].Value : double.PositiveInfinity);
            while (i < a.Count && a[i].Value <= value)
            {
                fa += a[i++].Count / (double)reference.Count;
            }

            while (j < b.Count && b[j].Value <= value)
            {
                fb += b[j++].Count / (double)current.Count;
            }

            max = Math.Max(max, Math.Abs(fa - fb));
        }

        return max;
    }

    /// <summary>A frequent-items sketch as a distribution: its counters plus <c>(other)</c> for the rest of the total.</summary>
    public static Dictionary<string, long> Distribution(FrequentItems items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var result = new Dictionary<string, long>(items.Counters, StringComparer.Ordinal);
        var other = items.Total - items.Counters.Values.Sum();
        if (other > 0)
        {
            result["(other)"] = other;
        }

        return result;
    }

    private static (double[] Reference, double[] Current) Proportions(IReadOnlyDictionary<string, long> reference, IReadOnlyDictionary<string, long> current)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(current);
        var keys = reference.Keys.Union(current.Keys, StringComparer.Ordinal).ToList();
        double rt = reference.Values.Sum(), ct = current.Values.Sum();
        var r = keys.Select(k => rt == 0 ? 0 : reference.GetValueOrDefault(k) / rt).ToArray();
        var c = keys.Select(k => ct == 0 ? 0 : current.GetValueOrDefault(k) / ct).ToArray();
        return (r, c);
    }
}
