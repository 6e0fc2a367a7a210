using Esrs.Bench;

namespace Esrs.Tests.Unit.Bench;

/// <summary>
/// <c>./esrs bench</c> once printed a feature's row as "+15.0%" beside a run where the feature was on and the machine was
/// just quicker: read as a cost. The change is now named as a rate and called noise when the runs of one side differ more.
/// </summary>
public sealed class IngestBenchTests
{
    [Theory]
    // 115 / 100 − 1 = +15 %; both sides' two runs equal: no spread, a real change.
    [InlineData(new[] { 115.0, 115.0 }, new[] { 100.0, 100.0 }, "+15.0% events/s against off")]
    // Runs 110 and 120: spread 10 / 115 = 8.7 %; the change, 15 %, is larger.
    [InlineData(new[] { 110.0, 120.0 }, new[] { 100.0, 100.0 }, "+15.0% events/s against off")]
    // Runs 90 and 110: mean 100, no change, spread 20 %.
    [InlineData(new[] { 90.0, 110.0 }, new[] { 100.0, 100.0 }, "+0.0% events/s against off, inside the runs' own spread (20.0%): no cost shown")]
    // The feature slower by 5 %, the runs without it 100 and 120 (spread 20 / 110 = 18.2 %): 104.5 / 110 − 1 = −5 %.
    [InlineData(new[] { 104.5, 104.5 }, new[] { 100.0, 120.0 }, "-5.0% events/s against off, inside the runs' own spread (18.2%): no cost shown")]
    public void AFeaturesRowSaysWhichWayTheRateMovedAndWhetherItIsNoise(double[] with, double[] without, string expected)
    {
        Assert.Equal(expected, IngestBench.Change(with, without));
    }
}
