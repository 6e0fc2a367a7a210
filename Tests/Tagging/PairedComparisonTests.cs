using Esrs.Tagging.Data;
using Esrs.Tagging.Evaluation;

namespace Esrs.Tests.Tagging;

/// <summary>The comparison settings are chosen by: pooled F1 by hand, and what a paired bootstrap must say in the clear cases.</summary>
public sealed class PairedComparisonTests
{
    // Title 0: one BRAND "Acme" (0..4). Title 1: COLOR "red" (0..3) and SIZE "XL 2" (4..8).
    private static readonly IReadOnlyList<IReadOnlyList<LabeledSpan>> Gold =
    [
        [new(0, 4, "BRAND")],
        [new(0, 3, "COLOR"), new(4, 8, "SIZE")],
    ];

    private static readonly IReadOnlyList<IReadOnlyList<LabeledSpan>> MissesSize =
    [
        [new(0, 4, "BRAND")],
        [new(0, 3, "COLOR")],
    ];

    private static readonly IReadOnlyList<IReadOnlyList<LabeledSpan>> LongBrand =
    [
        [new(0, 5, "BRAND")],
        [new(0, 3, "COLOR"), new(4, 8, "SIZE")],
    ];

    private static readonly IReadOnlyList<IReadOnlyList<LabeledSpan>> Nothing = [[], []];

    [Fact]
    public void PooledF1IsComputedFromTheSummedCountsOfEverySeed()
    {
        var comparison = PairedComparison.For(2);
        // A, seed 1: tp 2, fp 0, fn 1. A, seed 2: tp 0, fp 0, fn 3. Pooled: tp 2, fp 0, fn 4 -> F1 = 4 / 8.
        comparison.AddA(Gold, MissesSize);
        comparison.AddA(Gold, Nothing);
        // B: "Acme " is not "Acme" (strict spans): tp 2, fp 1, fn 1 -> F1 = 4 / 6.
        comparison.AddB(Gold, LongBrand);

        var (a, b, difference, _, _) = comparison.Compare(resamples: 200);

        Assert.Equal(0.5, a, 12);
        Assert.Equal(4.0 / 6, b, 12);
        Assert.Equal(0.5 - (4.0 / 6), difference, 12);
    }

    [Fact]
    public void OnlyTheSpansTheCheckKeepsAreScored()
    {
        var comparison = PairedComparison.For(2);
        comparison.AddA(Gold, MissesSize, s => s.Label == "BRAND");
        comparison.AddB(Gold, LongBrand, s => s.Label == "BRAND");

        var (a, b, _, _, _) = comparison.Compare(resamples: 10);

        // BRAND only: A finds the one gold brand (F1 1); B's brand is one character long (tp 0 -> F1 0).
        Assert.Equal(1.0, a, 12);
        Assert.Equal(0.0, b, 12);
    }

    [Fact]
    public void TheSameModelOnBothSidesDiffersByExactlyNothing()
    {
        var comparison = PairedComparison.For(2);
        comparison.AddA(Gold, MissesSize);
        comparison.AddB(Gold, MissesSize);

        Assert.Equal((0.8, 0.8, 0.0, 0.0, 0.0), Round(comparison.Compare()));
    }

    [Fact]
    public void ASettingBetterOnEveryTitleIsShownBetterAndANoisyOneIsNot()
    {
        const int titles = 100;
        var gold = Enumerable.Range(0, titles).Select(_ => (IReadOnlyList<LabeledSpan>)[new(0, 4, "BRAND"), new(5, 8, "COLOR")]).ToList();
        var perfect = gold;
        var halfRight = gold.Select(g => (IReadOnlyList<LabeledSpan>)[g[0]]).ToList();
        // Right on the even titles only, missing everything on the odd ones.
        var alternating = gold.Select((g, i) => i % 2 == 0 ? g : []).ToList();

        var better = PairedComparison.For(titles);
        better.AddA(gold, perfect);
        better.AddB(gold, halfRight);
        var (_, _, difference, low, high) = better.Compare();
        Assert.True(low > 0, $"perfect against half right: {difference} [{low}, {high}]");

        // A half-right model against one right on every other title: both recall 1/2, precision 1, so F1 2/3 each;
        // the difference is 0 and the titles disagree both ways, so the interval must straddle it.
        var noisy = PairedComparison.For(titles);
        noisy.AddA(gold, halfRight);
        noisy.AddB(gold, alternating);
        var (fa, fb, tie, tieLow, tieHigh) = noisy.Compare();
        Assert.Equal(2.0 / 3, fa, 12);
        Assert.Equal(2.0 / 3, fb, 12);
        Assert.Equal(0.0, tie, 12);
        Assert.True(tieLow < 0 && tieHigh > 0, $"[{tieLow}, {tieHigh}]");
    }

    [Fact]
    public void PredictionsForAnotherNumberOfTitlesAreRefused()
    {
        var comparison = PairedComparison.For(2);

        Assert.Throws<ArgumentException>(() => comparison.AddA(Gold, [[]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedComparison.For(0));
    }

    private static (double, double, double, double, double) Round((double A, double B, double D, double L, double H) r) =>
        (Math.Round(r.A, 12), Math.Round(r.B, 12), Math.Round(r.D, 12), Math.Round(r.L, 12), Math.Round(r.H, 12));
}
