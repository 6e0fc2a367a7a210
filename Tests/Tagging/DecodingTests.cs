using Esrs.Tagging.Data;
using Esrs.Tagging.Inference;

namespace Esrs.Tests.Tagging;

/// <summary>Label decoding and length grouping, on hand-made scores whose answers are worked out by hand.</summary>
public sealed class DecodingTests
{
    // Labels: 0 O, 1 B-BRAND, 2 I-BRAND, 3 B-COLOR, 4 I-COLOR.
    private static readonly LabelMap Labels = new(["BRAND", "COLOR"]);

    [Fact]
    public void ViterbiFindsTheBestValidSequenceWhereArgmaxReadsAnOrphanInsideAsOutside()
    {
        var aligner = new SpanAligner(TaggerData.Tokenizer, Labels);
        var tokens = aligner.Encode("navy blue shirt");
        Assert.Equal(5, tokens.Ids.Length);
        float[][] words =
        [
            [-1.0f, -3, -3, -1.2f, -0.5f], // navy: I-COLOR best, but nothing precedes it
            [-2.0f, -3, -3, -2.0f, -0.1f], // blue: I-COLOR
            [-0.2f, -3, -3, -3.0f, -3.0f], // shirt: O
        ];
        var scores = new float[5 * 5];
        for (var w = 0; w < 3; w++)
        {
            words[w].CopyTo(scores, (w + 1) * 5);
        }

        var decoder = new BioDecoder(Labels);
        var argmax = decoder.Decode(tokens, scores, DecodingMode.Argmax);
        var viterbi = decoder.Decode(tokens, scores, DecodingMode.Viterbi);

        Assert.Equal([0, 4, 4, 0, 0], argmax);
        Assert.Empty(aligner.Decode(tokens, argmax));
        // B-COLOR I-COLOR O scores -1.2 - 0.1 - 0.2 = -1.5; the best other valid path, O B-COLOR O, scores -3.2.
        Assert.Equal([0, 3, 4, 0, 0], viterbi);
        Assert.Equal([new LabeledSpan(0, 9, "COLOR")], aligner.Decode(tokens, viterbi));
    }

    [Fact]
    public void MarginalsAreEachLabelsShareOfTheProbabilityOfAllValidPathsCountedByHand()
    {
        var aligner = new SpanAligner(TaggerData.Tokenizer, Labels);
        var tokens = aligner.Encode("navy blue shirt");
        float[][] words =
        [
            [-1.0f, -3, -2, -1.2f, -0.5f],
            [-2.0f, -1, -3, -2.0f, -0.1f],
            [-0.2f, -3, -0.7f, -3.0f, -1.5f],
        ];
        var scores = new float[5 * 5];
        for (var w = 0; w < 3; w++)
        {
            words[w].CopyTo(scores, (w + 1) * 5);
        }

        var transitions = new float[25];
        transitions[(3 * 5) + 4] = 0.8f;
        transitions[(1 * 5) + 0] = -0.3f;
        float[] start = [0.1f, 0, 0, 0.2f, 0];
        float[] end = [0, 0.4f, 0, 0, -0.2f];
        var decoder = new BioDecoder(Labels, transitions, start, end);

        // Every label path of three words, kept when BIO allows it (I-X only after B-X or I-X, never first).
        static bool Inside(int l) => l is 2 or 4;
        static bool Valid(int from, int to) => !Inside(to) || from == to || from == to - 1;
        var paths = (from a in Enumerable.Range(0, 5) from b in Enumerable.Range(0, 5) from c in Enumerable.Range(0, 5)
                     where !Inside(a) && Valid(a, b) && Valid(b, c)
                     select new[] { a, b, c }).ToList();
        double Weight(int[] p) => Math.Exp(start[p[0]] + words[0][p[0]] + transitions[(p[0] * 5) + p[1]] + words[1][p[1]]
            + transitions[(p[1] * 5) + p[2]] + words[2][p[2]] + end[p[2]]);
        var total = paths.Sum(Weight);

        var marginals = decoder.Marginals(tokens, scores);

        Assert.Equal(15, marginals.Length);
        for (var w = 0; w < 3; w++)
        {
            for (var l = 0; l < 5; l++)
            {
                var expected = paths.Where(p => p[w] == l).Sum(Weight) / total;
                Assert.Equal(expected, marginals[(w * 5) + l], 6);
            }
        }

        Assert.Equal(0, marginals[2]); // I-BRAND first: impossible
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 5.0)]
    [InlineData(3, 60.0)]
    public void MarginalsOfLongerTitlesMatchEveryPathCounted(int seed, double spread)
    {
        // Six words, random scores and CRF scores (spread up to 60), one label ruled out on one word (a product type's
        // restriction), against every path counted.
        var aligner = new SpanAligner(TaggerData.Tokenizer, Labels);
        var tokens = aligner.Encode("red blue green navy pink gray");
        Assert.Equal(8, tokens.Ids.Length);
        var random = new Random(seed);
        float Draw() => (float)((random.NextDouble() - 0.8) * spread);
        var words = Enumerable.Range(0, 6).Select(_ => Enumerable.Range(0, 5).Select(_ => Draw()).ToArray()).ToArray();
        words[2][3] = float.NegativeInfinity;
        var scores = new float[8 * 5];
        for (var w = 0; w < 6; w++)
        {
            words[w].CopyTo(scores, (w + 1) * 5);
        }

        var transitions = Enumerable.Range(0, 25).Select(_ => Draw() / 10).ToArray();
        var start = Enumerable.Range(0, 5).Select(_ => Draw() / 10).ToArray();
        var end = Enumerable.Range(0, 5).Select(_ => Draw() / 10).ToArray();
        var decoder = new BioDecoder(Labels, transitions, start, end);

        // The reference: all 5^6 label paths, kept when BIO allows them, weighed in log space relative to the best one.
        static bool Inside(int l) => l is 2 or 4;
        static bool Valid(int from, int to) => !Inside(to) || from == to || from == to - 1;
        var paths = new List<(int[] Path, double Log)>();
        for (var code = 0; code < 15_625; code++)
        {
            var path = new int[6];
            for (int w = 0, rest = code; w < 6; w++, rest /= 5)
            {
                path[w] = rest % 5;
            }

            if (Inside(path[0]) || Enumerable.Range(1, 5).Any(w => !Valid(path[w - 1], path[w])))
            {
                continue;
            }

            var log = (double)start[path[0]] + end[path[5]];
            for (var w = 0; w < 6; w++)
            {
                log += (double)words[w][path[w]] + (w > 0 ? transitions[(path[w - 1] * 5) + path[w]] : 0);
            }

            if (!double.IsNegativeInfinity(log))
            {
                paths.Add((path, log));
            }
        }

        var best = paths.Max(p => p.Log);
        var total = paths.Sum(p => Math.Exp(p.Log - best));

        var marginals = decoder.Marginals(tokens, scores);

        for (var w = 0; w < 6; w++)
        {
            for (var l = 0; l < 5; l++)
            {
                var expected = paths.Where(p => p.Path[w] == l).Sum(p => Math.Exp(p.Log - best)) / total;
                Assert.Equal(expected, marginals[(w * 5) + l], 9);
            }
        }

        Assert.Equal(0, marginals[(2 * 5) + 3]);
    }

    [Fact]
    public void MarginalsOfAThreeHundredWordTextMatchALogSpaceReference()
    {
        // Path weights near exp(-10,000): far past what a double holds unless every step is rescaled. The reference is the
        // textbook forward-backward in log space (log-sum-exp at every step), written here apart from the decoder.
        const int Words = 300;
        var aligner = new SpanAligner(TaggerData.Tokenizer, Labels);
        var tokens = aligner.Encode(string.Join(' ', Enumerable.Repeat("red", Words)), maxTokens: Words + 2);
        Assert.Equal(Words + 2, tokens.Ids.Length);
        var random = new Random(7);
        double Draw() => (random.NextDouble() - 0.8) * 60;
        var scores = new float[(Words + 2) * 5];
        for (var i = 5; i < (Words + 1) * 5; i++)
        {
            scores[i] = (float)(Draw() - 50);
        }

        var transitions = Enumerable.Range(0, 25).Select(_ => (float)(Draw() / 10)).ToArray();
        var decoder = new BioDecoder(Labels, transitions);

        static bool Inside(int l) => l is 2 or 4;
        static bool Valid(int from, int to) => !Inside(to) || from == to || from == to - 1;
        static double LogSum(IEnumerable<double> values)
        {
            var list = values.ToList();
            var max = list.Max();
            return double.IsNegativeInfinity(max) ? max : max + Math.Log(list.Sum(v => Math.Exp(v - max)));
        }

        double Score(int w, int l) => scores[((w + 1) * 5) + l];
        var alpha = new double[Words, 5];
        var beta = new double[Words, 5];
        for (var l = 0; l < 5; l++)
        {
            alpha[0, l] = Inside(l) ? double.NegativeInfinity : Score(0, l);
        }

        for (var w = 1; w < Words; w++)
        {
            for (var to = 0; to < 5; to++)
            {
                var (step, target) = (w, to);
                alpha[w, to] = LogSum(Enumerable.Range(0, 5).Where(from => Valid(from, target)).Select(from => alpha[step - 1, from] + transitions[(from * 5) + target])) + Score(w, to);
            }
        }

        for (var w = Words - 2; w >= 0; w--)
        {
            for (var from = 0; from < 5; from++)
            {
                var (step, source) = (w, from);
                beta[w, from] = LogSum(Enumerable.Range(0, 5).Where(to => Valid(source, to)).Select(to => transitions[(source * 5) + to] + Score(step + 1, to) + beta[step + 1, to]));
            }
        }

        var partition = LogSum(Enumerable.Range(0, 5).Select(l => alpha[Words - 1, l]));
        Assert.True(partition < -5_000, $"log Z {partition}: the case must be beyond a plain double");

        var marginals = decoder.Marginals(tokens, scores);

        for (var w = 0; w < Words; w++)
        {
            for (var l = 0; l < 5; l++)
            {
                Assert.Equal(Math.Exp(alpha[w, l] + beta[w, l] - partition), marginals[(w * 5) + l], 9);
            }
        }
    }

    [Fact]
    public void LearnedTransitionsChangeTheBestPath()
    {
        var aligner = new SpanAligner(TaggerData.Tokenizer, Labels);
        var tokens = aligner.Encode("navy blue");
        var scores = new float[4 * 5];
        float[] navy = [-1, -3, -3, -0.9f, -3];
        float[] blue = [-1, -3, -3, -0.9f, -1.2f];
        navy.CopyTo(scores, 5);
        blue.CopyTo(scores, 10);
        // Without transitions: B-COLOR B-COLOR (-1.8) beats B-COLOR I-COLOR (-2.1). A learned B-COLOR -> I-COLOR bonus of 1 turns it.
        var transitions = new float[25];
        transitions[(3 * 5) + 4] = 1;

        Assert.Equal([0, 3, 3, 0], new BioDecoder(Labels).Decode(tokens, scores, DecodingMode.Viterbi));
        Assert.Equal([0, 3, 4, 0], new BioDecoder(Labels, transitions).Decode(tokens, scores, DecodingMode.Viterbi));
    }

    [Fact]
    public void ViterbiNeverPutsAnInsideLabelAfterAnotherAttribute()
    {
        var decoder = new BioDecoder(Labels);

        Assert.False(decoder.Allowed(1, 4)); // B-BRAND -> I-COLOR
        Assert.False(decoder.Allowed(0, 2)); // O -> I-BRAND
        Assert.True(decoder.Allowed(2, 2));
        Assert.True(decoder.Allowed(4, 1));
        Assert.False(decoder.AllowedFirst(4));
    }

    [Theory]
    // One call pads 5 texts to 60: 128 + 300 = 428; split after the short ones: 128 + 30 + 128 + 120 = 406.
    [InlineData(new[] { 10, 10, 10, 60, 60 }, new[] { 0, 3, 3, 5 })]
    // Equal lengths: one call (128 + 160) beats any split (256 + 160).
    [InlineData(new[] { 20, 20, 20, 20, 20, 20, 20, 20 }, new[] { 0, 8 })]
    // Close lengths: splitting saves 4 positions but costs a call.
    [InlineData(new[] { 30, 31, 32, 33 }, new[] { 0, 4 })]
    public void TextsOfVeryDifferentLengthsRunInSeparateCalls(int[] lengths, int[] expected)
    {
        var groups = Tagger.LengthGroups(lengths);

        Assert.Equal(expected, groups.SelectMany(g => new[] { g.From, g.To }));
    }
}
