namespace Esrs.Quality;

/// <summary>What a detector found: the observed value, what it expected, and which detector fired.</summary>
public sealed record Detection(string Detector, double Observed, double Expected, string Detail);

/// <summary>Anomaly detectors on a metric's history (each window's value, oldest first), each with its own options.</summary>
public static class AnomalyDetectors
{
    public const string RateOfChange = "rate-of-change";
    public const string OnlineNormal = "online-normal";

    /// <summary>Fires when the value moved more than <paramref name="maxRelativeChange"/> (0.5 = 50%) from the previous window's.</summary>
    /// <param name="history">Earlier values, oldest first.</param>
    /// <param name="current">This window's value.</param>
    /// <param name="maxRelativeChange">Largest allowed |current - previous| / |previous|.</param>
    /// <param name="minMagnitude">Floor of |previous| (so a move from 0 to 0.001 is not an infinite change).</param>
    public static Detection? RateOfChangeCheck(IReadOnlyList<double> history, double current, double maxRelativeChange, double minMagnitude)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0 || double.IsNaN(current) || double.IsNaN(history[^1]))
        {
            return null;
        }

        var previous = history[^1];
        var change = Math.Abs(current - previous) / Math.Max(Math.Abs(previous), minMagnitude);
        return change > maxRelativeChange
            ? new Detection(RateOfChange, current, previous, $"changed {change:P0} from the previous window (limit {maxRelativeChange:P0})")
            : null;
    }

    /// <summary>
    /// Fires when the value lies more than <paramref name="sigmas"/> standard deviations from the mean of the history
    /// (Welford's online mean and variance), once there are <paramref name="minHistory"/> earlier values.
    /// </summary>
    /// <param name="history">Earlier values, oldest first.</param>
    /// <param name="current">This window's value.</param>
    /// <param name="sigmas">k of mean ± k·σ.</param>
    /// <param name="minHistory">Earlier values needed before it judges.</param>
    /// <param name="minSigma">Floor of σ (a flat history would otherwise flag any change).</param>
    public static Detection? OnlineNormalCheck(IReadOnlyList<double> history, double current, double sigmas, int minHistory, double minSigma)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (double.IsNaN(current))
        {
            return null;
        }

        long n = 0;
        double mean = 0, m2 = 0;
        foreach (var x in history)
        {
            if (double.IsNaN(x))
            {
                continue;
            }

            n++;
            var delta = x - mean;
            mean += delta / n;
            m2 += delta * (x - mean);
        }

        if (n < minHistory)
        {
            return null;
        }

        // The spread of a new value around an estimated mean is σ·sqrt(1 + 1/n) (a prediction interval, not the mean's).
        var sigma = Math.Max(Math.Sqrt(m2 / (n - 1) * (1 + (1.0 / n))), minSigma);
        var z = Math.Abs(current - mean) / sigma;
        return z > sigmas
            ? new Detection(OnlineNormal, current, mean, $"{z:F1} σ from the mean of {n} windows (limit {sigmas} σ, σ = {sigma:G3})")
            : null;
    }
}
