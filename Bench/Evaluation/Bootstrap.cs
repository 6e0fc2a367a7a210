namespace Esrs.Bench.Evaluation;

/// <summary>A mean with its 95 % percentile-bootstrap interval.</summary>
public readonly record struct Interval(double Mean, double Low, double High)
{
    public override string ToString() => $"{Mean:0.0000} [{Low:0.0000}, {High:0.0000}]";
}

/// <summary>Percentile bootstrap over customers: resample customers with replacement, take the mean, read the 2.5th and 97.5th percentiles.</summary>
public static class Bootstrap
{
    public static Interval Mean(IReadOnlyList<double> values, int resamples, int seed)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(resamples);
        if (values.Count == 0)
        {
            return new Interval(double.NaN, double.NaN, double.NaN);
        }

        var random = new Random(seed);
        var means = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            var sum = 0.0;
            for (var i = 0; i < values.Count; i++)
            {
                sum += values[random.Next(values.Count)];
            }

            means[b] = sum / values.Count;
        }

        Array.Sort(means);
        return new Interval(values.Average(), Percentile(means, 0.025), Percentile(means, 0.975));
    }

    private static double Percentile(double[] sorted, double p)
    {
        // Linear interpolation between closest ranks.
        var position = p * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }
}
