using Esrs.Tagging.Data;

namespace Esrs.Tagging.Inference;

/// <summary>
/// Turns per-piece label scores into one label per word (the word's first piece; continuation pieces follow their word).
/// <see cref="DecodingMode.Argmax"/> takes each word's best label; <see cref="DecodingMode.Viterbi"/> takes the best label
/// sequence in which every <c>I-X</c> follows <c>B-X</c> or <c>I-X</c>, adding the learned transition scores of a CRF head when
/// there are any.
/// </summary>
public sealed class BioDecoder
{
    private readonly LabelMap _labels;
    private readonly float[]? _transitions;
    private readonly float[]? _start;
    private readonly float[]? _end;
    private readonly int[][] _predecessors;
    private readonly int[][] _successors;

    /// <param name="labels">The label map the scores are in.</param>
    /// <param name="transitions">Learned scores [from * labels + to] of a CRF head, or null.</param>
    /// <param name="start">Learned score of each label first, or null.</param>
    /// <param name="end">Learned score of each label last, or null.</param>
    public BioDecoder(LabelMap labels, float[]? transitions = null, float[]? start = null, float[]? end = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        _labels = labels;
        _transitions = transitions;
        _start = start;
        _end = end;
        var n = labels.Count;
        _predecessors = new int[n][];
        _successors = new int[n][];
        for (var label = 0; label < n; label++)
        {
            var current = label;
            _predecessors[label] = [.. Enumerable.Range(0, n).Where(from => Allowed(from, current))];
            _successors[label] = [.. Enumerable.Range(0, n).Where(to => Allowed(current, to))];
        }
    }

    /// <summary>Whether label <paramref name="to"/> may follow label <paramref name="from"/> (IOB2).</summary>
    public bool Allowed(int from, int to) =>
        _labels.Describe(to) is not { Begins: false } inside || _labels.Describe(from) is { } previous && previous.Attribute == inside.Attribute;

    /// <summary>Whether a sequence may start with <paramref name="label"/>.</summary>
    public bool AllowedFirst(int label) => _labels.Describe(label) is not { Begins: false };

    /// <summary>One label id per piece of <paramref name="tokens"/> (0 on pieces that do not start a word).</summary>
    /// <param name="tokens">The encoded text.</param>
    /// <param name="scores">Label scores (log-probabilities or CRF emissions), row-major [piece, label], at least <c>tokens.Ids.Length</c> rows.</param>
    /// <param name="mode">How to choose.</param>
    public int[] Decode(TokenizedText tokens, ReadOnlySpan<float> scores, DecodingMode mode)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var n = _labels.Count;
        var result = new int[tokens.Ids.Length];
        var words = new List<int>(tokens.Ids.Length);
        for (var i = 0; i < tokens.Ids.Length; i++)
        {
            if (tokens.StartsWord[i] && tokens.Offsets[i].End.Value > tokens.Offsets[i].Start.Value)
            {
                words.Add(i);
            }
        }

        if (words.Count == 0)
        {
            return result;
        }

        if (mode == DecodingMode.Argmax)
        {
            foreach (var i in words)
            {
                result[i] = ArgMax(scores.Slice(i * n, n));
            }

            return result;
        }

        var best = new float[words.Count * n];
        var back = new int[words.Count * n];
        for (var label = 0; label < n; label++)
        {
            best[label] = AllowedFirst(label) ? scores[(words[0] * n) + label] + (_start?[label] ?? 0) : float.NegativeInfinity;
        }

        for (var w = 1; w < words.Count; w++)
        {
            var row = scores.Slice(words[w] * n, n);
            for (var to = 0; to < n; to++)
            {
                var (top, arg) = (float.NegativeInfinity, 0);
                foreach (var from in _predecessors[to])
                {
                    var value = best[((w - 1) * n) + from] + (_transitions?[(from * n) + to] ?? 0);
                    if (value > top)
                    {
                        (top, arg) = (value, from);
                    }
                }

                best[(w * n) + to] = top + row[to];
                back[(w * n) + to] = arg;
            }
        }

        var last = words.Count - 1;
        var (bestEnd, label0) = (float.NegativeInfinity, 0);
        for (var label = 0; label < n; label++)
        {
            var value = best[(last * n) + label] + (_end?[label] ?? 0);
            if (value > bestEnd)
            {
                (bestEnd, label0) = (value, label);
            }
        }

        for (var w = last; w >= 0; w--)
        {
            result[words[w]] = label0;
            label0 = back[(w * n) + label0];
        }

        return result;
    }

    /// <summary>
    /// The probability of each label of each word under the model that <see cref="DecodingMode.Viterbi"/> decodes (the word
    /// scores plus the CRF's transition, start and end scores, over valid BIO sequences only), by forward-backward:
    /// row-major [word, label] over the words of <paramref name="tokens"/> (pieces that start a word), in order.
    /// A CRF's word scores alone are no probabilities (the head is trained on whole sequences); these are.
    /// </summary>
    public double[] Marginals(TokenizedText tokens, ReadOnlySpan<float> scores)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var n = _labels.Count;
        var words = new List<int>(tokens.Ids.Length);
        for (var i = 0; i < tokens.Ids.Length; i++)
        {
            if (tokens.StartsWord[i] && tokens.Offsets[i].End.Value > tokens.Offsets[i].Start.Value)
            {
                words.Add(i);
            }
        }

        var count = words.Count;
        var alpha = new double[count * n];
        var beta = new double[count * n];
        if (count == 0)
        {
            return alpha;
        }

        for (var label = 0; label < n; label++)
        {
            alpha[label] = AllowedFirst(label) ? scores[(words[0] * n) + label] + (_start?[label] ?? 0) : double.NegativeInfinity;
        }

        var terms = new double[n];
        for (var w = 1; w < count; w++)
        {
            for (var to = 0; to < n; to++)
            {
                var k = 0;
                foreach (var from in _predecessors[to])
                {
                    terms[k++] = alpha[((w - 1) * n) + from] + (_transitions?[(from * n) + to] ?? 0);
                }

                alpha[(w * n) + to] = LogSumExp(terms.AsSpan(0, k)) + scores[(words[w] * n) + to];
            }
        }

        var last = count - 1;
        for (var label = 0; label < n; label++)
        {
            beta[(last * n) + label] = _end?[label] ?? 0;
        }

        for (var w = last - 1; w >= 0; w--)
        {
            for (var from = 0; from < n; from++)
            {
                var k = 0;
                foreach (var to in _successors[from])
                {
                    terms[k++] = (_transitions?[(from * n) + to] ?? 0) + scores[(words[w + 1] * n) + to] + beta[((w + 1) * n) + to];
                }

                beta[(w * n) + from] = LogSumExp(terms.AsSpan(0, k));
            }
        }

        for (var label = 0; label < n; label++)
        {
            terms[label] = alpha[(last * n) + label] + beta[(last * n) + label];
        }

        var partition = LogSumExp(terms.AsSpan(0, n));
        var marginals = alpha;
        for (var i = 0; i < marginals.Length; i++)
        {
            marginals[i] = Math.Exp(alpha[i] + beta[i] - partition);
        }

        return marginals;
    }

    private static double LogSumExp(ReadOnlySpan<double> values)
    {
        var max = double.NegativeInfinity;
        foreach (var v in values)
        {
            max = Math.Max(max, v);
        }

        if (double.IsNegativeInfinity(max))
        {
            return max;
        }

        double sum = 0;
        foreach (var v in values)
        {
            sum += Math.Exp(v - max);
        }

        return max + Math.Log(sum);
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var arg = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[arg])
            {
                arg = i;
            }
        }

        return arg;
    }
}
