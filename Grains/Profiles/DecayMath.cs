namespace Esrs.Profiles;

/// <summary>
/// Exponential decay without touching idle data. A weight added at time t is stored as
/// w·2^((t−epoch)/halfLife); its value at time now is stored·2^(−(now−epoch)/halfLife). Adding is
/// one multiply-add and reading scales on the way out, so idle users cost nothing and no timer
/// ever decays anything. The epoch moves forward before the exponent nears double's range.
/// </summary>
public static class DecayMath
{
    /// <summary>Exponent at which the epoch is moved forward (2^512 is far inside double's range).</summary>
    public const double RebaseExponent = 512;

    /// <summary>The factor a weight added at <paramref name="at"/> is stored with.</summary>
    public static double Boost(DateTime at, DateTime epoch, TimeSpan halfLife) => double.Exp2((at - epoch).TotalSeconds / halfLife.TotalSeconds);

    /// <summary>A stored score's value at <paramref name="now"/>.</summary>
    public static double ValueAt(double stored, DateTime now, DateTime epoch, TimeSpan halfLife) => stored * double.Exp2(-(now - epoch).TotalSeconds / halfLife.TotalSeconds);
}
