namespace Esrs.Quality;

/// <summary>Building <see cref="LogHistogram"/>s: adding values and merging (exact, associative, commutative).</summary>
public static class LogHistogramUpdates
{
    private static readonly double LogGamma = Math.Log(LogHistogram.Gamma);

    /// <summary>Adds <paramref name="count"/> occurrences of <paramref name="value"/>; NaN and infinities are ignored.</summary>
    public static void Add(this LogHistogram histogram, double value, long count = 1)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (double.IsNaN(value) || double.IsInfinity(value) || count <= 0)
        {
            return;
        }

        if (Math.Abs(value) < LogHistogram.ZeroThreshold)
        {
            histogram.Zeros += count;
        }
        else if (value > 0)
        {
            Bump(histogram.Positive, Index(value), count);
        }
        else
        {
            Bump(histogram.Negative, Index(-value), count);
        }

        histogram.Count += count;
        histogram.Sum += value * count;
        histogram.Min = Math.Min(histogram.Min, value);
        histogram.Max = Math.Max(histogram.Max, value);
    }

    public static void Merge(this LogHistogram histogram, LogHistogram other)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (key, count) in other.Positive)
        {
            Bump(histogram.Positive, key, count);
        }

        foreach (var (key, count) in other.Negative)
        {
            Bump(histogram.Negative, key, count);
        }

        histogram.Zeros += other.Zeros;
        histogram.Count += other.Count;
        histogram.Sum += other.Sum;
        histogram.Min = Math.Min(histogram.Min, other.Min);
        histogram.Max = Math.Max(histogram.Max, other.Max);
    }

    public static LogHistogram Clone(this LogHistogram histogram)
    {
        var copy = new LogHistogram();
        copy.Merge(histogram);
        return copy;
    }

    private static int Index(double magnitude) => (int)Math.Ceiling(Math.Log(magnitude) / LogGamma);

    private static void Bump(Dictionary<int, long> buckets, int key, long count) =>
        buckets[key] = buckets.GetValueOrDefault(key) + count;
}
