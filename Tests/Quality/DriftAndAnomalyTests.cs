using Esrs.Quality;

namespace Esrs.Tests.Quality;

public sealed class DriftAndAnomalyTests
{
    private static Dictionary<string, long> D(params (string Key, long Count)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Count);

    [Fact]
    public void PsiAndJensenShannonMatchHandComputedValues()
    {
        var reference = D(("a", 50), ("b", 50));
        var current = D(("a", 90), ("b", 10));

        // PSI = (0.9-0.5) ln(0.9/0.5) + (0.1-0.5) ln(0.1/0.5)
        Assert.Equal((0.4 * Math.Log(1.8)) + (-0.4 * Math.Log(0.2)), Drift.Psi(reference, current), 9);
        // JS with m = (0.7, 0.3)
        var expectedJs = 0.5 * ((0.5 * Math.Log2(0.5 / 0.7)) + (0.5 * Math.Log2(0.5 / 0.3))) + 0.5 * ((0.9 * Math.Log2(0.9 / 0.7)) + (0.1 * Math.Log2(0.1 / 0.3)));
        Assert.Equal(expectedJs, Drift.JensenShannon(reference, current), 9);
    }

    [Fact]
    public void IdenticalDistributionsHaveNoDriftAndDisjointOnesTheMost()
    {
        var a = D(("view", 900), ("purchase", 100));
        var scaled = D(("view", 9_000), ("purchase", 1_000));
        var disjoint = D(("search", 10));

        Assert.Equal(0, Drift.Psi(a, scaled), 12);
        Assert.Equal(0, Drift.JensenShannon(a, scaled), 12);
        Assert.Equal(1, Drift.JensenShannon(a, disjoint), 9);
        Assert.True(Drift.Psi(a, disjoint) > 5);
    }

    [Fact]
    public void KolmogorovSmirnovSeesAShiftAndNotASecondSampleOfTheSameDistribution()
    {
        var random = new Random(4);
        LogHistogram Normal(double mean, int n)
        {
            var h = new LogHistogram();
            for (var i = 0; i < n; i++)
            {
                h.Add(mean + (Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 10));
            }

            return h;
        }

        var reference = Normal(100, 5_000);
        Assert.InRange(Drift.KolmogorovSmirnov(reference, Normal(100, 5_000)), 0, 0.05);
        // N(100,10) against N(115,10): the true KS distance is 2Φ(0.75)-1 ≈ 0.547.
        Assert.InRange(Drift.KolmogorovSmirnov(reference, Normal(115, 5_000)), 0.5, 0.6);
    }

    public static TheoryData<string> Detectors => new() { AnomalyDetectors.RateOfChange, AnomalyDetectors.OnlineNormal };

    [Theory]
    [MemberData(nameof(Detectors))]
    public void APlantedStepIsDetectedAtTheStep(string detector)
    {
        var series = Noise(seed: 1, count: 120, mean: 0.05, sd: 0.002).ToList();
        for (var i = 80; i < series.Count; i++)
        {
            series[i] += 0.1; // quarantine rate steps from 5% to 15%
        }

        var fired = Firing(series, detector);

        Assert.Contains(80, fired);
        Assert.DoesNotContain(fired, i => i < 80);
    }

    [Theory]
    [MemberData(nameof(Detectors))]
    public void APlantedSpikeIsDetected(string detector)
    {
        var series = Noise(seed: 2, count: 100, mean: 0.98, sd: 0.003).ToList();
        series[60] = 0.4; // acceptance collapses for one window

        var fired = Firing(series, detector);

        Assert.Contains(60, fired);
        Assert.DoesNotContain(fired, i => i < 60);
    }

    [Theory]
    [MemberData(nameof(Detectors))]
    public void NoiseAloneIsNotAnAnomaly(string detector)
    {
        foreach (var seed in Enumerable.Range(10, 5))
        {
            Assert.Empty(Firing(Noise(seed, count: 300, mean: 0.2, sd: 0.01).ToList(), detector));
        }
    }

    private static List<int> Firing(List<double> series, string detector)
    {
        var fired = new List<int>();
        for (var i = 1; i < series.Count; i++)
        {
            var history = series.GetRange(Math.Max(0, i - 60), Math.Min(i, 60));
            var detection = detector == AnomalyDetectors.RateOfChange
                ? AnomalyDetectors.RateOfChangeCheck(history, series[i], maxRelativeChange: 0.5, minMagnitude: 0.01)
                : AnomalyDetectors.OnlineNormalCheck(history, series[i], sigmas: 5, minHistory: 20, minSigma: 0.005);
            if (detection is not null)
            {
                fired.Add(i);
            }
        }

        return fired;
    }

    private static IEnumerable<double> Noise(int seed, int count, double mean, double sd)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            yield return mean + (gaussian * sd);
        }
    }
}
