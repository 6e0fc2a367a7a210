using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;
using Esrs.Tagging.Model;
using static TorchSharp.torch;

namespace Esrs.Tests.Tagging;

/// <summary>The CRF's loss against brute force: every label path of a tiny text enumerated and scored by hand.</summary>
public sealed class CrfHeadTests
{
    // Labels: 0 O, 1 B-X, 2 I-X. Valid paths never start with I-X and never put I-X after O.
    private static readonly LabelMap Labels = new(["X"]);

    private static readonly float[,] Emissions =
    {
        { 0.3f, 1.2f, -0.4f },
        { -0.7f, 0.1f, 0.9f },
        { 0.5f, -0.2f, 0.4f },
    };

    [Theory]
    [InlineData(new long[] { 1, 2, 0 })]
    [InlineData(new long[] { 0, 1, 2 })]
    [InlineData(new long[] { 1, -1, 0 })] // the middle word's label unknown (partial supervision)
    public void TheLossIsTheLogPartitionLessTheLogOfTheLabelledPaths(long[] gold)
    {
        var decoder = new BioDecoder(Labels);
        using var crf = new CrfHead(3, decoder.Allowed, decoder.AllowedFirst);
        var paths = Paths().Where(p => decoder.AllowedFirst(p[0]) && decoder.Allowed(p[0], p[1]) && decoder.Allowed(p[1], p[2])).ToList();
        double Score(int[] p) => Emissions[0, p[0]] + Emissions[1, p[1]] + Emissions[2, p[2]];
        static double LogSumExp(IEnumerable<double> values)
        {
            var list = values.ToList();
            var max = list.Max();
            return max + Math.Log(list.Sum(v => Math.Exp(v - max)));
        }

        var consistent = paths.Where(p => Enumerable.Range(0, 3).All(w => gold[w] < 0 || p[w] == gold[w]));
        var expected = (LogSumExp(paths.Select(Score)) - LogSumExp(consistent.Select(Score))) / 3; // per word

        using var emissions = tensor(Enumerable.Range(0, 9).Select(i => Emissions[i / 3, i % 3]).ToArray(), [1, 3, 3]);
        using var labels = tensor(gold, [1, 3]);
        using var mask = tensor(new[] { true, true, true }, [1, 3]);
        using var loss = crf.Loss(emissions, labels, mask);

        Assert.Equal(expected, loss.item<float>(), 4);
    }

    [Fact]
    public void AnUnknownWordKnownNotToContinueASpanSumsOverEveryOtherLabel()
    {
        // Word 0 is B-X; word 1 unknown but not I-X (the word after a distant span); word 2 unknown.
        var decoder = new BioDecoder(Labels);
        using var crf = new CrfHead(3, decoder.Allowed, decoder.AllowedFirst);
        var paths = Paths().Where(p => decoder.AllowedFirst(p[0]) && decoder.Allowed(p[0], p[1]) && decoder.Allowed(p[1], p[2])).ToList();
        double Score(int[] p) => Emissions[0, p[0]] + Emissions[1, p[1]] + Emissions[2, p[2]];
        static double LogSumExp(IEnumerable<double> values)
        {
            var list = values.ToList();
            var max = list.Max();
            return max + Math.Log(list.Sum(v => Math.Exp(v - max)));
        }

        var consistent = paths.Where(p => p[0] == 1 && p[1] != 2);
        var expected = (LogSumExp(paths.Select(Score)) - LogSumExp(consistent.Select(Score))) / 3;

        using var emissions = tensor(Enumerable.Range(0, 9).Select(i => Emissions[i / 3, i % 3]).ToArray(), [1, 3, 3]);
        using var labels = tensor(new long[] { 1, -1, -1 }, [1, 3]);
        using var mask = tensor(new[] { true, true, true }, [1, 3]);
        using var ruledOut = tensor(new long[] { -1, 2, -1 }, [1, 3]);
        using var loss = crf.Loss(emissions, labels, mask, ruledOut);
        using var open = crf.Loss(emissions, labels, mask);

        Assert.Equal(expected, loss.item<float>(), 4);
        Assert.True(loss.item<float>() > open.item<float>(), "ruling I-X out of word 1 must cost the paths that continued the span");
    }

    [Fact]
    public void MaskedWordsAddNothing()
    {
        var decoder = new BioDecoder(Labels);
        using var crf = new CrfHead(3, decoder.Allowed, decoder.AllowedFirst);
        using var three = tensor(Enumerable.Range(0, 9).Select(i => Emissions[i / 3, i % 3]).ToArray(), [1, 3, 3]);
        using var two = three.narrow(1, 0, 2).contiguous();

        using var masked = crf.Loss(three, tensor(new long[] { 1, 2, -1 }, [1, 3]), tensor(new[] { true, true, false }, [1, 3]));
        using var shorter = crf.Loss(two, tensor(new long[] { 1, 2 }, [1, 2]), tensor(new[] { true, true }, [1, 2]));

        Assert.Equal(shorter.item<float>(), masked.item<float>(), 5);
    }

    private static IEnumerable<int[]> Paths() =>
        from a in Enumerable.Range(0, 3) from b in Enumerable.Range(0, 3) from c in Enumerable.Range(0, 3) select new[] { a, b, c };
}
