using System.Numerics;
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
    private readonly (double[] Transitions, double[] First, double[] Last) _exponentiated;

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

        _exponentiated = Exponentiate();
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
    /// <remarks>
    /// Run in probability space with each step rescaled to sum to one (Rabiner's scaling), not in log space: a word then
    /// costs one exponential per label and a vector-matrix product with the exponentiated transitions (forbidden ones
    /// zero), where log-space sums cost an exponential per pair of labels; the marginals are the same (tested against
    /// every path counted by hand). Each word's scores are shifted by their maximum first, so nothing underflows.
    /// </remarks>
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
        if (count == 0)
        {
            return alpha;
        }

        var (transitions, first, last) = _exponentiated;
        var emit = new double[count * n];
        for (var w = 0; w < count; w++)
        {
            var row = scores.Slice(words[w] * n, n);
            var max = float.NegativeInfinity;
            foreach (var score in row)
            {
                max = Math.Max(max, score);
            }

            for (var label = 0; label < n; label++)
            {
                emit[(w * n) + label] = float.IsNegativeInfinity(row[label]) ? 0 : Math.Exp((double)row[label] - max);
            }
        }

        // Forward: alpha[w] = (alpha[w-1] x T) * emit[w], rescaled to sum to one.
        for (var label = 0; label < n; label++)
        {
            alpha[label] = first[label] * emit[label];
        }

        Rescale(alpha.AsSpan(0, n));
        for (var w = 1; w < count; w++)
        {
            var current = alpha.AsSpan(w * n, n);
            var previous = alpha.AsSpan((w - 1) * n, n);
            for (var from = 0; from < n; from++)
            {
                if (previous[from] != 0)
                {
                    AddScaled(current, transitions.AsSpan(from * n, n), previous[from]);
                }
            }

            Multiply(current, emit.AsSpan(w * n, n));
            Rescale(current);
        }

        // Backward: beta[w][from] = sum over to of T[from, to] * emit[w+1][to] * beta[w+1][to], rescaled likewise.
        var beta = new double[count * n];
        last.CopyTo(beta.AsSpan((count - 1) * n, n));
        Rescale(beta.AsSpan((count - 1) * n, n));
        var next = new double[n];
        for (var w = count - 2; w >= 0; w--)
        {
            beta.AsSpan((w + 1) * n, n).CopyTo(next);
            Multiply(next, emit.AsSpan((w + 1) * n, n));
            var current = beta.AsSpan(w * n, n);
            for (var from = 0; from < n; from++)
            {
                current[from] = Dot(transitions.AsSpan(from * n, n), next);
            }

            Rescale(current);
        }

        // Each word's alpha * beta is proportional to its marginals (the scales are one constant per word).
        for (var w = 0; w < count; w++)
        {
            var row = alpha.AsSpan(w * n, n);
            Multiply(row, beta.AsSpan(w * n, n));
            Rescale(row);
        }

        return alpha;
    }

    /// <summary>exp of the transition, start and end scores; zero where BIO forbids the step (made once: the scores are a copy).</summary>
    private (double[] Transitions, double[] First, double[] Last) Exponentiate()
    {
        var n = _labels.Count;
        var transitions = new double[n * n];
        var (first, last) = (new double[n], new double[n]);
        for (var from = 0; from < n; from++)
        {
            foreach (var to in _successors[from])
            {
                transitions[(from * n) + to] = Math.Exp(_transitions?[(from * n) + to] ?? 0);
            }

            first[from] = AllowedFirst(from) ? Math.Exp(_start?[from] ?? 0) : 0;
            last[from] = Math.Exp(_end?[from] ?? 0);
        }

        return (transitions, first, last);
    }

    /// <summary>Divides <paramref name="values"/> by their sum (left as they are when nothing is possible: all zero).</summary>
    private static void Rescale(Span<double> values)
    {
        double sum = 0;
        foreach (var value in values)
        {
            sum += value;
        }

        if (sum > 0)
        {
            var scale = 1 / sum;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] *= scale;
            }
        }
    }

    private static void AddScaled(Span<double> target, ReadOnlySpan<double> row, double scale)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factor = new Vector<double>(scale);
            for (; i <= target.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                (new Vector<double>(target[i..]) + (new Vector<double>(row[i..]) * factor)).CopyTo(target[i..]);
            }
        }

        for (; i < target.Length; i++)
        {
            target[i] += row[i] * scale;
        }
    }

    private static void Multiply(Span<double> target, ReadOnlySpan<double> by)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] *= by[i];
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var sums = Vector<double>.Zero;
            for (; i <= a.Length - Vector<double>.Count; i += Vector<double>.Count)
            {
                sums += new Vector<double>(a[i..]) * new Vector<double>(b[i..]);
            }

            sum = Vector.Sum(sums);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
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
