using Esrs.Quality;

namespace Esrs.Tests.Quality;

/// <summary>The private export's mechanism: the noise's distribution on many draws, the category threshold, the parameters.</summary>
public sealed class PrivateReleaseTests
{
    [Fact]
    public void TheNoiseIsLaplaceOfScaleTwoOverEpsilonOnManyDraws()
    {
        // Kolmogorov-Smirnov against the Laplace CDF, F(x) = 1/2 e^(x/b) below 0 and 1 - 1/2 e^(-x/b) above; the
        // critical value at a false-alarm rate of 1e-6 is sqrt(ln(2/1e-6)/2)/sqrt(n) = 2.69/sqrt(n).
        const int n = 20_000;
        var b = PrivateRelease.Scale(0.5);
        Assert.Equal(4.0, b);
        var draws = Enumerable.Range(0, n).Select(_ => PrivateRelease.Laplace(b, PrivateRelease.SecureUniform)).Order().ToArray();
        var ks = 0.0;
        for (var i = 0; i < n; i++)
        {
            var x = draws[i];
            var cdf = x < 0 ? 0.5 * Math.Exp(x / b) : 1 - (0.5 * Math.Exp(-x / b));
            ks = Math.Max(ks, Math.Max(Math.Abs(cdf - (i / (double)n)), Math.Abs(cdf - ((i + 1) / (double)n))));
        }

        Assert.True(ks < 2.69 / Math.Sqrt(n), $"KS statistic {ks:0.0000} against Laplace(0, {b})");
        // Mean 0 and variance 2b^2 = 32, each within 6 standard errors (sd of the mean sqrt(32/n); of the sample variance
        // about sqrt(20 b^4 / n), from the Laplace's fourth moment 24 b^4).
        Assert.InRange(draws.Average(), -6 * Math.Sqrt(32.0 / n), 6 * Math.Sqrt(32.0 / n));
        Assert.InRange(draws.Select(x => x * x).Average(), 32 - (6 * Math.Sqrt(20 * 256.0 / n)), 32 + (6 * Math.Sqrt(20 * 256.0 / n)));
    }

    [Fact]
    public void EveryCellOfARealReleaseCarriesThatNoise()
    {
        // Through Release itself, 2,000 times: the accepted cell's error has mean 0 and mean absolute value b (E|X| = b).
        var totals = new Dictionary<string, QualitySketch> { ["shop"] = new() { Accepted = 100_000, Quarantined = 50_000 } };
        const double epsilon = 0.1;
        var errors = Enumerable.Range(0, 2_000).Select(_ => PrivateRelease.Release(totals, epsilon, 1e-6).Sources.Single().Accepted!.Value - 100_000.0).ToArray();
        var b = 2 / epsilon;
        Assert.InRange(errors.Average(), -6 * b * Math.Sqrt(2.0 / 2_000), 6 * b * Math.Sqrt(2.0 / 2_000));
        Assert.InRange(errors.Select(Math.Abs).Average(), b * 0.9, b * 1.1);
    }

    [Fact]
    public void ACategoryOneEventBroughtShowsAboutDeltaOfTheTimeAndABigOneAlways()
    {
        // tau = 1 + b ln(1/(2 delta)) with b = 2/epsilon = 2 and delta = 5e-4: 1 + 2 ln(1000) = 14.8155 (by hand).
        Assert.Equal(14.8155, PrivateRelease.Threshold(1, 5e-4), 4);
        var all = new QualitySketch();
        all.TopCategories["rare"] = 1;
        all.TopCategories["home"] = 10_000;
        var totals = new Dictionary<string, QualitySketch> { [QualitySources.All] = all };
        var rareShown = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var categories = PrivateRelease.Release(totals, 1, 5e-4).Categories.Select(c => c.Category).ToList();
            Assert.Equal([QualitySketch.NoCategory, QualitySketch.OtherCategory], categories.Take(2));
            Assert.Contains("home", categories);
            rareShown += categories.Contains("rare") ? 1 : 0;
        }

        // P(shown) = 1/2 e^(-(tau - 1)/b) = delta exactly: 10 expected in 20,000; 30 is beyond 6 standard deviations.
        Assert.InRange(rareShown, 0, 30);
    }

    [Theory]
    [InlineData(0, 1e-6)]
    [InlineData(-1, 1e-6)]
    [InlineData(1e-300, 1e-6)]
    [InlineData(0.000999, 1e-6)]
    [InlineData(double.NaN, 1e-6)]
    [InlineData(100.5, 1e-6)]
    [InlineData(1, 0)]
    [InlineData(1, 1e-3)]
    public void ParametersOutsideTheirRangeAreRefused(double epsilon, double delta)
    {
        Assert.NotNull(PrivateReleaseRules.Problem(epsilon, delta));
        Assert.Throws<ArgumentException>(() => PrivateRelease.Release(new Dictionary<string, QualitySketch>(), epsilon, delta));
    }

    [Fact]
    public void TopCategoriesCountEveryEventOnceUnderItsFirstSegmentAndBoundTheirNumber()
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var path in new[] { "Home/Kitchen", " home > Garden", "HOME|x", "garden", null, "", "  /x" })
        {
            QualitySketchUpdates.CountTopCategory(counts, path);
        }

        Assert.Equal(new Dictionary<string, long> { ["home"] = 3, ["garden"] = 1, [QualitySketch.NoCategory] = 3 }, counts);
        for (var i = 0; i < 300; i++)
        {
            QualitySketchUpdates.CountTopCategory(counts, "c" + i);
        }

        // 3 values held before, 253 more fit under the cap of 256, the other 47 go to ~other (the 257th key).
        Assert.Equal(257, counts.Count);
        Assert.Equal(47, counts[QualitySketch.OtherCategory]);
        Assert.Equal(300 + 7, counts.Values.Sum());
    }
}
