using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Esrs.Tagging.Model;

/// <summary>
/// A linear-chain CRF over the words of a text (label transition, start and end scores). Transitions that break BIO
/// (<c>I-X</c> after anything but <c>B-X</c>/<c>I-X</c>, or first) are forbidden outright, in training and in decoding.
/// The loss is the negative log-likelihood of the known labels; words with an unknown label (partial supervision)
/// are summed over, less any label they are known not to have, so distant examples teach only what they know.
/// </summary>
public sealed class CrfHead : nn.Module
{
    private const float Forbidden = -1e4f;
    private readonly Parameter _transitions;
    private readonly Parameter _start;
    private readonly Parameter _end;
    private readonly Tensor _forbidden;
    private readonly Tensor _forbiddenFirst;

    /// <param name="labels">Label count.</param>
    /// <param name="allowed">Whether label <c>to</c> may follow label <c>from</c>.</param>
    /// <param name="allowedFirst">Whether a text may start with a label.</param>
    public CrfHead(int labels, Func<int, int, bool> allowed, Func<int, bool> allowedFirst) : base("crf")
    {
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(allowedFirst);
        _transitions = new Parameter(zeros(labels, labels));
        _start = new Parameter(zeros(labels));
        _end = new Parameter(zeros(labels));
        register_parameter("transitions", _transitions);
        register_parameter("start", _start);
        register_parameter("end", _end);
        var forbidden = new float[labels * labels];
        var first = new float[labels];
        for (var from = 0; from < labels; from++)
        {
            first[from] = allowedFirst(from) ? 0 : Forbidden;
            for (var to = 0; to < labels; to++)
            {
                forbidden[(from * labels) + to] = allowed(from, to) ? 0 : Forbidden;
            }
        }

        _forbidden = tensor(forbidden, [labels, labels]);
        _forbiddenFirst = tensor(first, [labels]);
        register_buffer("forbidden", _forbidden, persistent: false);
        register_buffer("forbidden_first", _forbiddenFirst, persistent: false);
    }

    /// <summary>The learned scores, for decoding: transitions [from * labels + to], start, end.</summary>
    public (float[] Transitions, float[] Start, float[] End) Scores()
    {
        using var noGrad = no_grad();
        return (_transitions.cpu().data<float>().ToArray(), _start.cpu().data<float>().ToArray(), _end.cpu().data<float>().ToArray());
    }

    /// <summary>Negative log-likelihood of the word labels, per word.</summary>
    /// <param name="emissions">Word scores [batch, words, labels].</param>
    /// <param name="labels">Word labels [batch, words] (int64), -1 where unknown.</param>
    /// <param name="mask">Which words exist [batch, words] (bool); every text has at least one.</param>
    /// <param name="ruledOut">For words of unknown label, a label they are known not to have [batch, words] (int64, -1: none); null: none.</param>
    public Tensor Loss(Tensor emissions, Tensor labels, Tensor mask, Tensor? ruledOut = null)
    {
        ArgumentNullException.ThrowIfNull(emissions);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(mask);
        using var scope = NewDisposeScope();
        var count = emissions.shape[2];
        // Known labels: every other label of that word forbidden; unknown labels: all open.
        var known = labels.ge(0);
        var onehot = nn.functional.one_hot(labels.clamp_min(0), count).to_type(emissions.dtype);
        var keep = onehot.add(known.logical_not().unsqueeze(-1).to_type(emissions.dtype)).clamp_max(1);
        if (ruledOut is not null)
        {
            // An unknown word may still be known not to have one label: that label is closed to it.
            var excluded = nn.functional.one_hot(ruledOut.clamp_min(0), count).to_type(emissions.dtype).mul(ruledOut.ge(0).unsqueeze(-1).to_type(emissions.dtype));
            keep = keep.sub(excluded).clamp_min(0);
        }

        var constrained = emissions.add(keep.sub(1).mul(-Forbidden));
        // Per word, so the loss (and its gradients) are on the scale of cross-entropy whatever the title lengths.
        var loss = (LogPartition(emissions, mask) - LogPartition(constrained, mask)).sum().div(mask.sum());
        return loss.MoveToOuterDisposeScope();
    }

    private Tensor LogPartition(Tensor emissions, Tensor mask)
    {
        var transitions = _transitions.add(_forbidden).unsqueeze(0);
        var alpha = emissions.select(1, 0).add(_start).add(_forbiddenFirst);
        for (var w = 1; w < emissions.shape[1]; w++)
        {
            var next = alpha.unsqueeze(2).add(transitions).logsumexp(1).add(emissions.select(1, w));
            alpha = where(mask.select(1, w).unsqueeze(1), next, alpha);
        }

        return alpha.add(_end).logsumexp(1);
    }
}
