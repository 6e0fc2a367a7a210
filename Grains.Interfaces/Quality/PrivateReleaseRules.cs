using System.Globalization;

namespace Esrs.Quality;

/// <summary>What a private export's parameters must be; shared by the gateway (400 before any call) and the grain.</summary>
public static class PrivateReleaseRules
{
    /// <summary>Largest ε one release may spend (beyond it the noise is meaningless as protection).</summary>
    public const double MaxEpsilon = 100;

    /// <summary>
    /// Smallest ε one release may spend: below it the noise (scale 2/ε) buries any count a shop has (ε = 1e-300 released
    /// counts of 9,223,372,036,854,775,807) and the budget is spent for nothing.
    /// </summary>
    public const double MinEpsilon = 1e-3;

    /// <summary>δ must stay well below one over any plausible number of categories.</summary>
    public const double MaxDelta = 1e-3;

    /// <summary>A message naming what is wrong with <paramref name="epsilon"/> or <paramref name="delta"/>, or null.</summary>
    public static string? Problem(double epsilon, double delta) =>
        !double.IsFinite(epsilon) || epsilon < MinEpsilon || epsilon > MaxEpsilon ? string.Create(CultureInfo.InvariantCulture, $"epsilon must be a number in [{MinEpsilon}, {MaxEpsilon}], not {epsilon}.")
        : !double.IsFinite(delta) || delta <= 0 || delta >= MaxDelta ? string.Create(CultureInfo.InvariantCulture, $"delta must be a number in (0, {MaxDelta}), not {delta}.")
        : null;
}
