namespace Esrs.Quality;

/// <summary>
/// A mergeable quantile sketch with relative error (the DDSketch bucket scheme): value v &gt; 0 lands in bucket
/// ceil(log_γ v), so every quantile it returns is within <see cref="RelativeAccuracy"/> of a true value of that rank.
/// Negative values use mirrored buckets; values within 1e-9 of zero have their own count. Merging adds buckets,
/// so it is exact, associative and commutative. The data and its reading live here; adding and merging are in
/// <c>LogHistogramUpdates</c> (Grains), where sketches are built.
/// </summary>
[GenerateSerializer, Alias("esrs.log-histogram")]
public sealed class LogHistogram
{
    /// <summary>Bucket growth factor γ.</summary>
    public const double Gamma = 1.02;

    /// <summary>Relative accuracy α = (γ-1)/(γ+1) ≈ 1%.</summary>
    public const double RelativeAccuracy = (Gamma - 1) / (Gamma + 1);

    /// <summary>Values closer to zero than this count as zero.</summary>
    public const double ZeroThreshold = 1e-9;

    [Id(0)] public Dictionary<int, long> Positive { get; set; } = [];
    [Id(1)] public Dictionary<int, long> Negative { get; set; } = [];
    [Id(2)] public long Zeros { get; set; }
    [Id(3)] public long Count { get; set; }
    [Id(4)] public double Min { get; set; } = double.PositiveInfinity;
    [Id(5)] public double Max { get; set; } = double.NegativeInfinity;
    [Id(6)] public double Sum { get; set; }

    public double Mean => Count == 0 ? double.NaN : Sum / Count;

    /// <summary>The value at quantile <paramref name="q"/> (0..1), NaN when empty; clamped to the exact min and max.</summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Floor(Math.Clamp(q, 0, 1) * (Count - 1));
        long seen = 0;
        foreach (var (value, count) in Buckets())
        {
            seen += count;
            if (seen > rank)
            {
                return Math.Clamp(value, Min, Max);
            }
        }

        return Max;
    }

    /// <summary>Buckets in ascending order of value: (representative value, count).</summary>
    public IEnumerable<(double Value, long Count)> Buckets()
    {
        foreach (var key in Negative.Keys.OrderDescending())
        {
            yield return (-Representative(key), Negative[key]);
        }

        if (Zeros > 0)
        {
            yield return (0, Zeros);
        }

        foreach (var key in Positive.Keys.Order())
        {
            yield return (Representative(key), Positive[key]);
        }
    }

    // The point of bucket (γ^(i-1), γ^i] whose relative distance to both ends is α.
    private static double Representative(int index) => 2 * Math.Pow(Gamma, index) / (Gamma + 1);
}
