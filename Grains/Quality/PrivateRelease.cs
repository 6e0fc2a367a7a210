using System.Security.Cryptography;

namespace Esrs.Quality;

/// <summary>
/// The private export's mechanism, without Orleans (<see cref="QualityGrain.ExportAsync"/> runs it on the totals).
/// Two histograms are released, each event in exactly one cell of each: (source, outcome) with outcomes accepted,
/// repaired, duplicate, quarantined, and, over all sources, top-level category. One event more or less changes each
/// histogram by 1 in one cell (L1 sensitivity 1), so each gets ε/2 (sequential composition) and every cell Laplace noise of
/// scale b = 1 / (ε/2) = 2/ε. Which keys exist is itself data (a source name is whatever a producer wrote), so only the two
/// fixed category names (<c>~none</c>, <c>~other</c>) are shown whatever their count; every other cell, source cells
/// included, shows only when its noisy count reaches τ = 1 + b·ln(1/(2δ)), so a cell that one event alone brought in shows
/// with probability at most δ. Rounding and clamping at 0 are post-processing. Noise: uniform doubles from the operating
/// system's cryptographic generator, by CDF inversion.
/// Limits, also in the README: the sketches' caps on distinct sources and categories admit values first come, first
/// kept, so past a cap one early event can move later ones to <c>~other</c>; the guarantee holds while the caps are not
/// reached (the answer says when they were).
/// </summary>
public static class PrivateRelease
{
    /// <summary>Checks ε and δ; a message naming what is wrong, or null.</summary>
    public static string? Problem(double epsilon, double delta) => PrivateReleaseRules.Problem(epsilon, delta);

    /// <summary>The noise scale of every cell: the sensitivity (1) over each histogram's share of ε (ε/2).</summary>
    public static double Scale(double epsilon) => 2 / epsilon;

    /// <summary>The smallest noisy count at which a category that is not public shows.</summary>
    public static double Threshold(double epsilon, double delta) => 1 + Scale(epsilon) * Math.Log(1 / (2 * delta));

    /// <summary>
    /// Releases <paramref name="totals"/> (per source, <see cref="QualitySources.All"/> for the categories).
    /// <paramref name="uniform"/> gives doubles in (0, 1); tests pass a seeded one, the grain the cryptographic one.
    /// </summary>
    public static (List<ExportedSource> Sources, List<ExportedCategory> Categories) Release(
        IReadOnlyDictionary<string, QualitySketch> totals, double epsilon, double delta, Func<double>? uniform = null)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (Problem(epsilon, delta) is { } problem)
        {
            throw new ArgumentException(problem);
        }

        uniform ??= SecureUniform;
        var scale = Scale(epsilon);
        var threshold = Threshold(epsilon, delta);
        long? Shown(long value) => value + Laplace(scale, uniform) is var noisy && noisy >= threshold ? (long)Math.Round(noisy) : null;
        var sources = new List<ExportedSource>();
        foreach (var (name, sketch) in totals.Where(p => p.Key != QualitySources.All).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var row = new ExportedSource(name, Shown(sketch.Accepted), Shown(sketch.Repaired), Shown(sketch.Duplicates), Shown(sketch.Quarantined));
            if (row.Accepted is not null || row.Repaired is not null || row.Duplicates is not null || row.Quarantined is not null)
            {
                sources.Add(row);
            }
        }

        var categories = new List<ExportedCategory>();
        var counts = totals.TryGetValue(QualitySources.All, out var all) ? all.TopCategories : [];
        foreach (var name in new[] { QualitySketch.NoCategory, QualitySketch.OtherCategory })
        {
            categories.Add(new ExportedCategory(name, Math.Max(0, (long)Math.Round(counts.GetValueOrDefault(name) + Laplace(scale, uniform)))));
        }

        foreach (var (name, count) in counts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (name is not (QualitySketch.NoCategory or QualitySketch.OtherCategory) && Shown(count) is { } noisy)
            {
                categories.Add(new ExportedCategory(name, noisy));
            }
        }

        return (sources, categories);
    }

    /// <summary>One draw of Laplace(0, <paramref name="scale"/>) by inverting its CDF at a uniform draw in (0, 1).</summary>
    public static double Laplace(double scale, Func<double> uniform)
    {
        ArgumentNullException.ThrowIfNull(uniform);
        var u = uniform() - 0.5;
        return -scale * Math.Sign(u) * Math.Log(1 - (2 * Math.Abs(u)));
    }

    /// <summary>A uniform double in (0, 1) from 53 random bits of the cryptographic generator, never 0 or 1.</summary>
    public static double SecureUniform()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        var bits = BitConverter.ToUInt64(bytes) >> 11;
        return (bits + 0.5) / (1UL << 53);
    }
}
