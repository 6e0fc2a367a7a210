namespace Esrs.Quality;

/// <summary>What a private export's parameters must be; shared by the gateway (400 before any call) and the grain.</summary>
public static class PrivateReleaseRules
{
    /// <summary>Largest ε one release may spend (beyond it the noise is meaningless as protection).</summary>
    public const double MaxEpsilon = 100;

    /// <summary>δ must stay well below one over any plausible number of categories.</summary>
    public const double MaxDelta = 1e-3;

    /// <summary>A message naming what is wrong with <paramref name="epsilon"/> or <paramref name="delta"/>, or null.</summary>
    public static string? Problem(double epsilon, double delta) =>
        !double.IsFinite(epsilon) || epsilon <= 0 || epsilon > MaxEpsilon ? $"epsilon must be a number in (0, {MaxEpsilon}], not {epsilon}."
        : !double.IsFinite(delta) || delta <= 0 || delta >= MaxDelta ? $"delta must be a number in (0, {MaxDelta}), not {delta}."
        : null;
}
